import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../main/app/app.context.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { CoverageClass } from '../../shared/model/scan.model.ts';
import type { SignIntentView, SignResult } from '../../shared/model/signing.model.ts';
import { ImageFactory, type Pushed } from './image-factory.ts';
import { run } from './processes.ts';

const tools = join(fileURLToPath(new URL('../../', import.meta.url)), '.tools', 'bin');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const COSIGN_PASSWORD = 'scan-fixture';
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

/**
 * What each tag is. The tag name says it, so one glob picks each group for bulk signing:
 * v<n> and v<n>-multi (an index of two platforms) are signed by Signet, dev-<n> is left unsigned,
 * tampered-<n> carries a .sig copied from another image, old-<n> is signed by a key revoked
 * afterwards, cosign-<n> is signed by cosign 2.5 with a trusted key, foreign-<n> by cosign with a
 * certificate from a CA nobody trusts.
 */
export type FixtureKind = 'signet' | 'index' | 'unsigned' | 'tampered' | 'revoked' | 'cosign' | 'foreign';

export interface ScanFixtureOptions {
  app: AppContext;
  registryUrl: string;
  /** A folder for cosign's keys. */
  work: string;
  repositories: number;
  tagsPerRepository: number;
  /** Repository names are `<prefix>/r<n>`. */
  prefix?: string;
  /** Images signed by cosign itself (slow: a process each); spread over the repositories. */
  cosignImages?: number;
  foreignImages?: number;
  /** One tag in this many is unsigned, tampered, revoked or a multi-arch index, in that rotation. */
  every?: number;
}

export interface ScanFixture {
  repositories: string[];
  /** `repository:tag` for the tagged manifest, `repository:tag@os/arch` for a platform manifest under an index. */
  expected: Map<string, CoverageClass>;
  kinds: Map<string, FixtureKind>;
  /** `repository:tag` to the digest it names. */
  digests: Map<string, string>;
  signetKey: KeyRecord;
  revokedKey: KeyRecord;
  /** cosign's trusted public key, also listed in the settings' trust. */
  cosignPub: string;
  seconds: { push: number; sign: number; cosign: number };
  /** Pushes a new manifest under a tag, so it moves; returns the new digest. */
  move(repository: string, tag: string, seed: string): Promise<string>;
  /** Signs tags with Signet's bulk signing, as the person would after one confirmation. */
  bulkSign(repository: string, tagPattern: string, key: KeyRecord): Promise<SignResult>;
}

const EXPECTED: Record<FixtureKind, CoverageClass> = {
  signet: 'verified',
  index: 'verified',
  unsigned: 'unsigned',
  tampered: 'failing',
  revoked: 'revoked-or-expired',
  cosign: 'verified',
  foreign: 'untrusted',
};

function tagFor(kind: FixtureKind, n: number): string {
  return { signet: `v${n}`, index: `v${n}-multi`, unsigned: `dev-${n}`, tampered: `tampered-${n}`, revoked: `old-${n}`, cosign: `cosign-${n}`, foreign: `foreign-${n}` }[kind];
}

// A fixed number of workers over a list; the first failure stops the rest.
async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Fills a loopback registry with repositories × tags of every kind a scan must tell apart. Images
 * are pushed quickly (one config and one layer blob per repository; each manifest differs by an
 * annotation), most are bulk-signed through the app, a few by cosign 2.5.
 */
export async function buildScanFixture(options: ScanFixtureOptions): Promise<ScanFixture> {
  const { app } = options;
  const host = new URL(options.registryUrl).host;
  const factory = new ImageFactory(options.registryUrl);
  const prefix = options.prefix ?? 'fleet';
  const every = options.every ?? 20;
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const result = await app.dispatch(channel, input, { host: 'cli' });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
    return result.value as T;
  };
  const signetKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: `${prefix} release` });
  const revokedKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: `${prefix} leaked` });

  // Which tag is what: the first of each repository is always Signet-signed, so a tampered tag has a signature to copy.
  const kinds = new Map<string, FixtureKind>();
  const repositories = Array.from({ length: options.repositories }, (_, r) => `${prefix}/r${String(r).padStart(3, '0')}`);
  let cosignLeft = options.cosignImages ?? 0;
  let foreignLeft = options.foreignImages ?? 0;
  const rotation: FixtureKind[] = ['unsigned', 'tampered', 'revoked', 'index'];
  let special = 0;
  let counter = 0;
  for (const repository of repositories) {
    for (let n = 0; n < options.tagsPerRepository; n++) {
      counter++;
      let kind: FixtureKind = 'signet';
      if (n > 0 && cosignLeft > 0 && counter % 7 === 3) {
        kind = 'cosign';
        cosignLeft--;
      } else if (n > 0 && foreignLeft > 0 && counter % 11 === 5) {
        kind = 'foreign';
        foreignLeft--;
      } else if (n > 0 && counter % every === 0) {
        kind = rotation[special++ % rotation.length]!;
      }
      kinds.set(`${repository}:${tagFor(kind, n)}`, kind);
    }
  }
  if (cosignLeft > 0 || foreignLeft > 0) throw new Error('the fixture is too small for the cosign images asked for');

  const digests = new Map<string, string>();
  const expected = new Map<string, CoverageClass>();
  const started = performance.now();
  const blobs = new Map<string, { config: Pushed; layer: Pushed }>();
  await pool(repositories, 8, async (repository) => {
    const config = await factory.blob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} })));
    const layer = await factory.blob(repository, Buffer.from(`layer of ${repository}`));
    blobs.set(repository, { config, layer });
  });
  const manifestFor = (repository: string, seed: string) => {
    const { config, layer } = blobs.get(repository)!;
    return {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
      annotations: { 'dev.signet.fixture': seed },
    };
  };
  const push = async (repository: string, tag: string, seed: string, kind: FixtureKind): Promise<string> => {
    if (kind !== 'index') return (await factory.manifest(repository, tag, manifestFor(repository, seed), OCI_MANIFEST)).digest;
    const children: Pushed[] = [];
    for (const platform of PLATFORMS) {
      const body = manifestFor(repository, `${seed} ${platform.os}/${platform.architecture}`);
      const digest = `sha256:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
      children.push(await factory.manifest(repository, digest, body, OCI_MANIFEST));
    }
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((child, i) => ({ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size, platform: PLATFORMS[i] })) };
    return (await factory.manifest(repository, tag, index, OCI_INDEX)).digest;
  };
  await pool([...kinds.entries()], 16, async ([key, kind]) => {
    const [repository, tag] = key.split(':') as [string, string];
    digests.set(key, await push(repository, tag, key, kind));
    expected.set(key, EXPECTED[kind]);
    if (kind === 'index') for (const p of PLATFORMS) expected.set(`${key}@${p.os}/${p.architecture}`, 'verified');
  });
  const pushSeconds = (performance.now() - started) / 1000;

  const bulkSign = async (repository: string, tagPattern: string, key: KeyRecord): Promise<SignResult> => {
    const intent = await call<SignIntentView>('signing.prepareBulk', { repository: `${host}/${repository}`, tagPattern, keyId: key.id, format: 'cosign' });
    const result = await call<SignResult>('signing.confirm', { intentId: intent.intentId });
    const bad = result.signed.find((s) => s.verdict !== 'verified');
    if (bad) throw new Error(`bulk signing ${repository} ${tagPattern}: ${bad.digest} is ${bad.verdict}: ${bad.reason}`);
    return result;
  };
  const signStarted = performance.now();
  const has = (repository: string, kind: FixtureKind) => [...kinds.entries()].some(([k, v]) => v === kind && k.startsWith(`${repository}:`));
  await pool(repositories, 4, async (repository) => {
    await bulkSign(repository, 'v*', signetKey);
    if (has(repository, 'revoked')) await bulkSign(repository, 'old-*', revokedKey);
  });
  // A tampered image carries the .sig of the repository's first image: a valid signature, for another digest.
  await pool(
    [...kinds.entries()].filter(([, kind]) => kind === 'tampered'),
    8,
    async ([key]) => {
      const repository = key.split(':')[0]!;
      const source = digests.get(`${repository}:${tagFor('signet', 0)}`)!;
      const response = await fetch(`${options.registryUrl}/v2/${repository}/manifests/${source.replace(':', '-')}.sig`, { headers: { accept: OCI_MANIFEST } });
      if (!response.ok) throw new Error(`no signature to copy in ${repository}: ${response.status}`);
      await factory.manifest(repository, `${digests.get(key)!.replace(':', '-')}.sig`, (await response.json()) as object, OCI_MANIFEST);
    },
  );
  await app.keys.revoke(revokedKey.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 60_000).toISOString() }, 'cli');
  const signSeconds = (performance.now() - signStarted) / 1000;

  const cosignStarted = performance.now();
  const env = { ...process.env, HOME: options.work, COSIGN_PASSWORD };
  await run(join(tools, 'cosign'), ['generate-key-pair', '--output-key-prefix', `${prefix}-trusted`], { cwd: options.work, env });
  await run(join(tools, 'cosign'), ['generate-key-pair', '--output-key-prefix', `${prefix}-foreign`], { cwd: options.work, env });
  const cosignPub = join(options.work, `${prefix}-trusted.pub`);
  // The foreign signer's certificate comes from a CA nobody trusts: a signer identity, not a trusted one.
  const file = (name: string) => join(options.work, `${prefix}-${name}`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', '/CN=Foreign CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('csr.key'), '-subj', '/CN=foreign signer', '-out', file('leaf.csr')]);
  await writeFile(file('leaf.cnf'), 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=email:foreign@example.com\n');
  await run('openssl', ['x509', '-req', '-in', file('leaf.csr'), '-force_pubkey', file('foreign.pub'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('leaf.pem'), '-days', '30', '-extfile', file('leaf.cnf')]);
  await pool(
    [...kinds.entries()].filter(([, kind]) => kind === 'cosign' || kind === 'foreign'),
    4,
    async ([key, kind]) => {
      const repository = key.split(':')[0]!;
      const keyFile = join(options.work, `${prefix}-${kind === 'cosign' ? 'trusted' : 'foreign'}.key`);
      const certificate = kind === 'foreign' ? ['--certificate', file('leaf.pem'), '--certificate-chain', file('ca.pem')] : [];
      await run(join(tools, 'cosign'), ['sign', '--yes', '--key', keyFile, ...certificate, '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', `${host}/${repository}@${digests.get(key)!}`], { cwd: options.work, env });
    },
  );
  const settings = await app.settings.get();
  if (!settings.trust.keyFiles.includes(cosignPub)) await app.settings.update({ trust: { ...settings.trust, keyFiles: [...settings.trust.keyFiles, cosignPub] } });
  const cosignSeconds = (performance.now() - cosignStarted) / 1000;

  return {
    repositories,
    expected,
    kinds,
    digests,
    signetKey,
    revokedKey,
    cosignPub,
    seconds: { push: pushSeconds, sign: signSeconds, cosign: cosignSeconds },
    move: async (repository, tag, seed) => {
      const digest = await push(repository, tag, `${repository}:${tag} ${seed}`, 'signet');
      digests.set(`${repository}:${tag}`, digest);
      return digest;
    },
    bulkSign,
  };
}
