// The peer verifiers users actually run, called as users call them, each answering pass or fail for one case.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseFormat, CorpusCase, Peer, PeerVerdict, PrivatePkiTrust } from './corpus.types.ts';

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

// Private-PKI cases name the CA files and the signer's e-mail address.
function pkiTrust(c: CorpusCase): PrivatePkiTrust {
  if (!c.peerTrust.pki) throw new Error(`${c.id} names no private CA for the peers`);
  return c.peerTrust.pki;
}

// The last line a peer wrote is its reason; peers print progress first and the verdict last.
function lastLine(output: string): string {
  const lines = output.trim().split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}

// cosign with a home of its own, so no cached TUF root or credentials of the machine take part; the last line is its reason.
async function runCosign(binary: string, args: string[]): Promise<PeerVerdict> {
  const home = await mkdtemp(join(tmpdir(), 'signet-adv-cosign-'));
  try {
    const { code, output } = await exec(binary, args, { ...process.env, HOME: home, TUF_ROOT: join(home, 'tuf'), SIGSTORE_NO_CACHE: 'true' });
    return { result: code === 0 ? 'pass' : 'fail', detail: lastLine(output) };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

// cosign verify as users run it offline: no transparency log or SCT is asked for, since the test signers log nowhere.
function cosign(name: string, binary: string, legacy: boolean, format: CaseFormat, trustArgs: (c: CorpusCase) => string[]): Peer {
  return {
    name,
    legacy,
    formats: [format],
    verify: (input) => runCosign(binary, ['verify', ...trustArgs(input), '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry', input.reference]),
  };
}

const cosignKey = (c: CorpusCase) => ['--key', keyFile(c)];
// A certificate without Fulcio's issuer extension has the empty issuer, which only a pattern can accept.
const cosignIdentity = (c: CorpusCase) => ['--certificate-identity', pkiTrust(c).email, '--certificate-oidc-issuer-regexp', '.*', '--insecure-ignore-sct=true'];
const cosign2Pki = (c: CorpusCase) => ['--ca-roots', pkiTrust(c).rootsFile, '--ca-intermediates', pkiTrust(c).intermediatesFile, ...cosignIdentity(c)];
const cosign3Pki = (c: CorpusCase) => ['--trusted-root', pkiTrust(c).trustedRootFile, ...cosignIdentity(c)];

// skopeo copies only what its policy admits: a sigstoreSigned requirement with the containers/image default identity rule.
function skopeo(name: string, binary: string, signedIdentity: object, legacy: boolean, format: CaseFormat, trust: (c: CorpusCase) => object): Peer {
  return {
    name,
    legacy,
    formats: [format],
    async verify(input) {
      const work = await mkdtemp(join(tmpdir(), 'signet-adv-skopeo-'));
      try {
        const host = input.reference.split('/')[0]!;
        await mkdir(join(work, 'registries.d'));
        await writeFile(join(work, 'registries.d', 'sigstore.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
        const policy = { default: [{ type: 'reject' }], transports: { docker: { [host]: [{ type: 'sigstoreSigned', ...trust(input), signedIdentity }] } } };
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

const skopeoKey = (c: CorpusCase) => ({ keyPath: keyFile(c) });
const skopeoPki = (c: CorpusCase) => ({ pki: { caRootsPath: pkiTrust(c).rootsFile, caIntermediatesPath: pkiTrust(c).intermediatesFile, subjectEmail: pkiTrust(c).email } });
const matchRepository = { type: 'matchRepository' };

// Every peer that reads cosign's simple-signing format, at the versions users run today and the legacy ones.
export function cosignPeers(): Peer[] {
  return [
    cosign('cosign 2.5', join(legacy, 'cosign'), true, 'cosign-simple-signing', cosignKey),
    cosign('cosign 3.1', join(current, 'cosign'), false, 'cosign-simple-signing', cosignKey),
    skopeo('skopeo 1.22 (matchRepository)', join(current, 'skopeo'), matchRepository, false, 'cosign-simple-signing', skopeoKey),
    skopeo('skopeo 1.18 (matchRepository)', join(legacy, 'skopeo'), matchRepository, true, 'cosign-simple-signing', skopeoKey),
    cosign('cosign 2.5 (private CA)', join(legacy, 'cosign'), true, 'cosign-private-pki', cosign2Pki),
    cosign('cosign 3.1 (private CA)', join(current, 'cosign'), false, 'cosign-private-pki', cosign3Pki),
    skopeo('skopeo 1.22 (private CA)', join(current, 'skopeo'), matchRepository, false, 'cosign-private-pki', skopeoPki),
    skopeo('skopeo 1.18 (private CA)', join(legacy, 'skopeo'), matchRepository, true, 'cosign-private-pki', skopeoPki),
  ];
}

// cosign 3.1 reads bundle referrers: `verify` for image signatures, `verify-attestation --type` for attestations; offline
// with the key alone unless the case demands a log entry or a timestamp (then a trusted root naming the log or the authority).
function cosignBundles(name: string, binary: string): Peer {
  return {
    name,
    legacy: false,
    formats: ['sigstore-bundle'],
    verify(input) {
      const command = input.predicateType ? ['verify-attestation', '--type', input.predicateType] : ['verify'];
      const root = input.peerTrust.trustedRootFile ? ['--trusted-root', input.peerTrust.trustedRootFile] : [];
      const tlog = input.signet.bundlePolicy?.requireTlog ? [] : ['--insecure-ignore-tlog=true'];
      // With bundles cosign takes a timestamp authority only from the trusted root; then it requires a verified timestamp.
      const tsa = input.peerTrust.tsaChainFile ? ['--use-signed-timestamps'] : [];
      return runCosign(binary, [...command, '--key', keyFile(input), '--new-bundle-format', ...root, ...tlog, ...tsa, '--allow-http-registry', '--allow-insecure-registry', input.reference]);
    },
  };
}

// Every peer that reads sigstore bundle referrers on images, at today's version.
export function bundlePeers(): Peer[] {
  return [cosignBundles('cosign 3.1', join(current, 'cosign'))];
}

// cosign verify-attestation with a public key, offline, for the `.att` tag layout and the predicate type the case asks for.
function cosignAttestations(name: string, binary: string, legacy: boolean): Peer {
  return {
    name,
    legacy,
    formats: ['cosign-attestation'],
    verify: (input) => runCosign(binary, ['verify-attestation', '--key', keyFile(input), '--type', input.predicateType ?? 'custom', '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry', input.reference]),
  };
}

// Every peer that reads cosign's `.att` attestations, at today's version and the legacy one.
export function attestationPeers(): Peer[] {
  return [cosignAttestations('cosign 3.1 (attestations)', join(current, 'cosign'), false), cosignAttestations('cosign 2.5 (attestations)', join(legacy, 'cosign'), true)];
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
