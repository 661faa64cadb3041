import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort, run, start, waitFor, type Started } from './processes.ts';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const TPM2_MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so';

export interface Tpm {
  label: string;
  userPin: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const SAVED = ['DBUS_SESSION_BUS_ADDRESS', 'TPM2_PKCS11_TCTI', 'TPM2_PKCS11_STORE'] as const;

/**
 * A software TPM (swtpm on loopback) behind tpm2-abrmd on a private session bus, with a tpm2-pkcs11
 * store holding one token. Its PIN is known and is never tried wrong: three wrong PINs lock a TPM.
 */
export async function startTpm(label = 'tpm-token'): Promise<Tpm> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-tpm-'));
  const state = join(dir, 'state');
  const store = join(dir, 'store');
  await mkdir(state);
  await mkdir(store);
  // The swtpm TCTI always finds the control channel on the port after the server's.
  let port = await freePort();
  while (await canConnect(port + 1)) port = await freePort();
  const control = port + 1;
  const started: Started[] = [];
  const stopAll = async () => {
    for (const process of started.reverse()) await process.stop();
  };
  try {
    started.push(
      start('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${state}`, '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${control},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear']),
    );
    await waitFor('swtpm to listen', () => canConnect(port), 10_000, started[0]!.output);
    const socket = join(dir, 'bus');
    const address = `unix:path=${socket}`;
    started.push(start('dbus-daemon', ['--session', '--nofork', `--address=${address}`]));
    await waitFor('the TPM D-Bus', async () => (await readFile(socket).catch((e: NodeJS.ErrnoException) => e.code)) !== 'ENOENT', 10_000);
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, TPM2_PKCS11_TCTI: 'tabrmd:bus_type=session', TPM2TOOLS_TCTI: 'tabrmd:bus_type=session', TPM2_PKCS11_STORE: store };
    const abrmd = start('tpm2-abrmd', ['--session', '--allow-root', `--tcti=swtpm:host=127.0.0.1,port=${port}`], { env });
    started.push(abrmd);
    await waitFor('tpm2-abrmd', async () => {
      await run('tpm2_getrandom', ['4', '--hex'], { env });
      return true;
    }, 20_000, abrmd.output);
    const userPin = 'tpm-user-1234';
    await run('tpm2_ptool', ['init', `--path=${store}`], { env });
    await run('tpm2_ptool', ['addtoken', '--pid=1', '--sopin=tpm-so-5678', `--userpin=${userPin}`, `--label=${label}`, `--path=${store}`], { env });
    const saved = Object.fromEntries(SAVED.map((k) => [k, process.env[k]]));
    Object.assign(process.env, { DBUS_SESSION_BUS_ADDRESS: address, TPM2_PKCS11_TCTI: env.TPM2_PKCS11_TCTI, TPM2_PKCS11_STORE: store });
    return {
      label,
      userPin,
      env,
      stop: async () => {
        for (const key of SAVED) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
        await stopAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
