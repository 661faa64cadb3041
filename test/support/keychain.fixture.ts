import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, start, waitFor, type Started } from './processes.ts';

export interface Keychain {
  address: string;
  env: NodeJS.ProcessEnv;
  lock(): Promise<void>;
  stop(): Promise<void>;
}

const SAVED = ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'XDG_DATA_HOME'] as const;

// A private session bus with gnome-keyring's Secret Service on it, unlocked with a known password; the user's keychain is never touched.
export async function startKeychain(): Promise<Keychain> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-keychain-'));
  const runtime = join(dir, 'run');
  const data = join(dir, 'data');
  await mkdir(runtime, { mode: 0o700 });
  await mkdir(data, { recursive: true });
  const socket = join(dir, 'bus');
  const address = `unix:path=${socket}`;
  // A bus without service activation: nothing can start a second keyring daemon behind the fixture's back.
  const config = join(dir, 'bus.conf');
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>${address}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
`,
  );
  const bus: Started = start('dbus-daemon', [`--config-file=${config}`, '--nofork']);
  await waitFor('the private D-Bus', async () => (await readFile(socket).catch((e: NodeJS.ErrnoException) => e.code)) !== 'ENOENT', 10_000, bus.output);
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: data, HOME: dir };
  const keyring = start('sh', ['-c', "printf 'signet-test' | exec gnome-keyring-daemon --unlock --components=secrets --foreground"], { env });
  const saved = Object.fromEntries(SAVED.map((k) => [k, process.env[k]]));
  // Ready means the login collection exists and is unlocked: a secret can be stored and read back.
  await waitFor(
    'gnome-keyring on the private bus',
    async () => {
      await run('secret-tool', ['store', '--label', 'signet fixture', 'signet-fixture', 'ready'], { env, input: 'ready', timeout: 3000 });
      return (await run('secret-tool', ['lookup', 'signet-fixture', 'ready'], { env, timeout: 3000 })).trim() === 'ready';
    },
    15_000,
    keyring.output,
  );
  Object.assign(process.env, { DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: data });
  return {
    address,
    env,
    lock: async () => {
      await run(
        'dbus-send',
        ['--session', '--dest=org.freedesktop.secrets', '--print-reply', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'],
        { env },
      );
    },
    stop: async () => {
      for (const key of SAVED) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      await keyring.stop();
      await bus.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
