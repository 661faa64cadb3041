// The peer verifiers users actually run, called as users call them, each answering pass or fail for one case.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorpusCase, Peer } from './corpus.types.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const legacy = join(root, '.tools', 'bin');
const current = join(root, '.tools', 'current', 'bin');

function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

// Key-signed cases name the public key file the peer is given.
function keyFile(c: CorpusCase): string {
  if (!c.peerTrust.publicKeyFile) throw new Error(`${c.id} names no public key file for the peers`);
  return c.peerTrust.publicKeyFile;
}

// The last line a peer wrote is its reason; peers print progress first and the verdict last.
function lastLine(output: string): string {
  const lines = output.trim().split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}

// cosign verify with a public key, offline: no transparency log is asked for key-signed signatures.
function cosign(name: string, binary: string, legacy: boolean): Peer {
  return {
    name,
    legacy,
    formats: ['cosign-simple-signing'],
    async verify(input) {
      const home = await mkdtemp(join(tmpdir(), 'signet-adv-cosign-'));
      try {
        const { code, output } = await exec(binary, ['verify', '--key', keyFile(input), '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry', input.reference], {
          ...process.env,
          HOME: home,
          TUF_ROOT: join(home, 'tuf'),
          SIGSTORE_NO_CACHE: 'true',
        });
        return { result: code === 0 ? 'pass' : 'fail', detail: lastLine(output) };
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}

// skopeo copies only what its policy admits: a sigstoreSigned requirement with the containers/image default identity rule.
function skopeo(name: string, binary: string, signedIdentity: object, legacy: boolean): Peer {
  return {
    name,
    legacy,
    formats: ['cosign-simple-signing'],
    async verify(input) {
      const work = await mkdtemp(join(tmpdir(), 'signet-adv-skopeo-'));
      try {
        const host = input.reference.split('/')[0]!;
        await mkdir(join(work, 'registries.d'));
        await writeFile(join(work, 'registries.d', 'sigstore.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
        const policy = { default: [{ type: 'reject' }], transports: { docker: { [host]: [{ type: 'sigstoreSigned', keyPath: keyFile(input), signedIdentity }] } } };
        await writeFile(join(work, 'policy.json'), JSON.stringify(policy));
        const { code, output } = await exec(
          binary,
          ['--registries.d', join(work, 'registries.d'), '--policy', join(work, 'policy.json'), 'copy', '--src-tls-verify=false', `docker://${input.reference}`, `dir:${join(work, 'out')}`],
          { ...process.env, HOME: work, REGISTRIES_CONFIG_PATH: join(work, 'registries.conf') },
        );
        return { result: code === 0 ? 'pass' : 'fail', detail: lastLine(output) };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

// Every peer that reads cosign's simple-signing format, at the versions users run today and the legacy ones.
export function cosignPeers(): Peer[] {
  return [
    cosign('cosign 2.5', join(legacy, 'cosign'), true),
    cosign('cosign 3.1', join(current, 'cosign'), false),
    skopeo('skopeo 1.22 (matchRepository)', join(current, 'skopeo'), { type: 'matchRepository' }, false),
    skopeo('skopeo 1.18 (matchRepository)', join(legacy, 'skopeo'), { type: 'matchRepository' }, true),
  ];
}

// notation verify against the registry over plain HTTP, with the case's own configuration folder (trust policy and
// trust stores) as its XDG configuration home and a scratch cache, so no case sees another's trust.
function notation(name: string, binary: string): Peer {
  return {
    name,
    legacy: false,
    formats: ['notation'],
    async verify(input) {
      const home = input.peerTrust.notationHome;
      if (!home) throw new Error(`${input.id} names no Notation configuration folder for the peers`);
      const scratch = await mkdtemp(join(tmpdir(), 'signet-adv-notation-'));
      try {
        const { code, output } = await exec(binary, ['verify', '--verbose', '--insecure-registry', input.reference], {
          ...process.env,
          HOME: scratch,
          XDG_CONFIG_HOME: home,
          NOTATION_CONFIG: join(home, 'notation'),
          XDG_CACHE_HOME: join(scratch, 'cache'),
          NOTATION_CACHE: join(scratch, 'cache', 'notation'),
        });
        // Verbose output names why each signature failed; the last line only says that all of them did.
        const why = output.split('\n').find((line) => line.includes('failed verification with error: '));
        const said = lastLine(output.split('\n').filter((line) => !line.startsWith('level=')).join('\n'));
        return { result: code === 0 ? 'pass' : 'fail', detail: why ? why.slice(why.indexOf('failed verification with error: ') + 32).slice(0, 300) : said };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}

// The Notation CLI at the version users run today.
export function notationPeers(): Peer[] {
  return [notation('notation 1.3', join(current, 'notation'))];
}
