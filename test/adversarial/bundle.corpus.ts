// Sigstore bundle v0.3 cases on the loopback registry, laid out as cosign 3 writes them: an OCI 1.1 referrer manifest
// (artifactType application/vnd.dev.sigstore.bundle.v0.3+json, subject = the image) listed in the `sha256-<hex>`
// referrers fallback index, since the loopback registry has no referrers API. Good bundles come from cosign 3.1
// itself, from Signet's own signer and from this file; the mutations keep every signature valid (re-signed with the
// case's test key) and break exactly one rule of the bundle, DSSE, in-toto or OCI referrer specifications.
import { dsse } from '@sigstore/core';
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sigstoreBundle, signingStatement, dsseSignedBytes } from '../../main/signing/envelopes.ts';
import { pushReferrer } from '../../main/signing/referrer.writer.ts';
import { requestTimestamp } from '../../main/signing/tsa.client.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { publicGoodTrustedRoot } from '../../main/trust/public-good.ts';
import { loadTrust } from '../../main/trust/trust-sources.ts';
import { makeChain } from '../support/certificate-factory.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { startTimestampAuthority } from '../support/tsa.fixture.ts';
import type { Corpus, CorpusCase } from './corpus.types.ts';
import { attestationJudge } from './judges.ts';
import { bundlePeers } from './peers.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
const COSIGN_SIGN = 'https://sigstore.dev/cosign/sign/v1';
const SLSA = 'https://slsa.dev/provenance/v1';
const SPDX = 'https://spdx.dev/Document';
const root = new URL('../../', import.meta.url).pathname;
const cosignBinary = join(root, '.tools', 'current', 'bin', 'cosign');

interface TestKey {
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyFile: string;
  /** cosign's encrypted private key (empty password), for signing with cosign itself. */
  cosignKeyFile: string;
}

/** How one case is checked: who is trusted, and whether it is judged as an image signature or as an attestation of a type. */
interface Trust {
  key: TestKey;
  /** Judged as an attestation of this predicate type (cosign verify-attestation --type), not as an image signature. */
  predicateType?: string;
  requireTlog?: boolean;
  tsa?: boolean;
  /** Checked by tag only: the case is about what the tag names now. */
  tagOnly?: boolean;
}

/** The parts of a bundle before it is written out; the mutations change one of them. */
interface BundleParts {
  mediaType?: string | null;
  verificationMaterial: Record<string, unknown>;
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
  messageSignature?: { messageDigest: { algorithm: string; digest: string }; signature: string };
  extra?: Record<string, unknown>;
}

const sha256hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const hintOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');

function exec(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` }));
  });
}

class BundleCases {
  private readonly factory: ImageFactory;
  private readonly registryUrl: string;
  private readonly host: string;
  private readonly dir: string;
  private readonly cases: CorpusCase[] = [];
  private readonly source: RegistrySource;
  private counter = 0;
  private tsaUrl = '';
  private tsaChainFile = '';
  private trustedRootFile = '';
  private tsaRootFile = '';

  constructor(registryUrl: string, dir: string) {
    this.registryUrl = registryUrl;
    this.dir = dir;
    this.factory = new ImageFactory(registryUrl);
    this.host = new URL(registryUrl).host;
    this.source = new RegistrySource(new RegistryClient({ baseUrl: registryUrl }));
  }

  private async key(name: string, curve: 'prime256v1' | 'secp384r1'): Promise<TestKey> {
    const pair = generateKeyPairSync('ec', { namedCurve: curve });
    const publicKeyFile = join(this.dir, `bundle-${name}.pub`);
    await writeFile(publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const cosignKeyFile = join(this.dir, `bundle-${name}.key`);
    const home = await mkdtemp(join(this.dir, 'cosign-import-'));
    const pkcs8 = join(home, 'key.pem');
    await writeFile(pkcs8, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const imported = await exec(cosignBinary, ['import-key-pair', '--key', pkcs8, '--output-key-prefix', join(this.dir, `bundle-${name}`), '-y'], { ...process.env, HOME: home, COSIGN_PASSWORD: '' });
    if (imported.code !== 0) throw new Error(`cosign import-key-pair: ${imported.output}`);
    await writeFile(publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    await rm(home, { recursive: true, force: true });
    return { name, privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyFile, cosignKeyFile };
  }

  private async image(repository: string, tag: string, content: string): Promise<{ digest: string; size: number; bytes: Buffer }> {
    const pushed = await this.factory.image(repository, tag, { os: 'linux', architecture: 'amd64' }, content);
    const response = await fetch(`${this.registryUrl}/v2/${repository}/manifests/${pushed.digest}`, { headers: { accept: OCI_MANIFEST } });
    return { digest: pushed.digest, size: pushed.size, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  // The statement cosign 3 signs for an image: about its manifest digest, with a predicate type.
  private statement(digest: string, predicateType: string, edit: (s: Record<string, unknown>) => void = () => undefined): Buffer {
    const statement: Record<string, unknown> = { _type: STATEMENT_V1, subject: [{ name: 'image', digest: { sha256: digest.slice(7) } }], predicateType, predicate: predicateType === SLSA ? { buildDefinition: { buildType: 'https://example.com/build' }, runDetails: {} } : {} };
    edit(statement);
    return Buffer.from(JSON.stringify(statement));
  }

  // A DSSE bundle over `payload`, signed (over its PAE) by `signer`, naming `hintKey` (the signer by default).
  private dsse(signer: TestKey, payload: Buffer, options: { payloadType?: string; hintKey?: KeyObject } = {}): BundleParts {
    const payloadType = options.payloadType ?? IN_TOTO;
    const sig = sign('sha256', dsse.preAuthEncoding(payloadType, payload), signer.privateKey).toString('base64');
    return { verificationMaterial: { publicKey: { hint: hintOf(options.hintKey ?? signer.publicKey) } }, dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig }] } };
  }

  // A message-signature bundle: the signature over the manifest bytes, with their digest as the bundle says it.
  private message(signer: TestKey, signed: Buffer, digestOf: Buffer = signed, algorithm = 'SHA2_256'): BundleParts {
    return {
      verificationMaterial: { publicKey: { hint: hintOf(signer.publicKey) } },
      messageSignature: { messageDigest: { algorithm, digest: createHash('sha256').update(digestOf).digest('base64') }, signature: sign('sha256', signed, signer.privateKey).toString('base64') },
    };
  }

  private static write(parts: BundleParts): string {
    const body: Record<string, unknown> = {};
    if (parts.mediaType !== null) body.mediaType = parts.mediaType ?? BUNDLE_V03;
    body.verificationMaterial = parts.verificationMaterial;
    if (parts.dsseEnvelope) body.dsseEnvelope = parts.dsseEnvelope;
    if (parts.messageSignature) body.messageSignature = parts.messageSignature;
    Object.assign(body, parts.extra ?? {});
    return JSON.stringify(body);
  }

  /**
   * Pushes a bundle the way cosign 3.1 does: the bundle as the one layer of a referrer manifest whose subject is the
   * image, then that manifest added to the `sha256-<hex>` referrers index of `listedUnder` (the subject by default).
   */
  private async referrer(repository: string, subject: { digest: string; size: number }, bundle: string | Buffer, options: { artifactType?: string; layerMediaType?: string; listedUnder?: string; noSubject?: boolean; extraLayer?: Buffer; predicateType?: string } = {}): Promise<void> {
    const bytes = Buffer.isBuffer(bundle) ? bundle : Buffer.from(bundle);
    const config = await this.factory.blob(repository, Buffer.from('{}'));
    const layer = await this.factory.blob(repository, bytes);
    const artifactType = options.artifactType ?? BUNDLE_V03;
    const layers = [{ mediaType: options.layerMediaType ?? BUNDLE_V03, size: layer.size, digest: layer.digest }];
    if (options.extraLayer) {
      const extra = await this.factory.blob(repository, options.extraLayer);
      layers.push({ mediaType: options.layerMediaType ?? BUNDLE_V03, size: extra.size, digest: extra.digest });
    }
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: EMPTY, size: config.size, digest: config.digest },
      layers,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': options.predicateType ?? COSIGN_SIGN, 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    };
    if (!options.noSubject) manifest.subject = { mediaType: OCI_MANIFEST, size: subject.size, digest: subject.digest };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const pushed = await this.factory.manifestBytes(repository, `sha256:${sha256hex(manifestBytes)}`, manifestBytes, OCI_MANIFEST);
    const tag = (options.listedUnder ?? subject.digest).replace(':', '-');
    const existing = await fetch(`${this.registryUrl}/v2/${repository}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
    const index = existing.status === 200 ? ((await existing.json()) as { manifests: unknown[] }) : { manifests: [] };
    index.manifests.push({ mediaType: OCI_MANIFEST, size: pushed.size, digest: pushed.digest, artifactType });
    await this.factory.manifest(repository, tag, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: index.manifests }, OCI_INDEX);
  }

  private async add(klass: string, rule: string, expected: 'pass' | 'fail', variant: string, repository: string, target: string, trust: Trust, publicGood: boolean): Promise<void> {
    const reference = target.startsWith('sha256:') ? `${this.host}/${repository}@${target}` : `${this.host}/${repository}:${target}`;
    const signet = await loadTrust(
      { keyFiles: [trust.key.publicKeyFile], keyRefs: [], rekorKeyFiles: [], caFiles: [], tsaFiles: trust.tsa ? [this.tsaChainFile] : [], notationStores: [], publicGood, requireTlog: trust.requireTlog },
      [],
    );
    this.cases.push({
      id: `${klass}/${variant}/${target.startsWith('sha256:') ? 'digest' : 'tag'}`,
      class: klass,
      rule,
      expected,
      format: 'sigstore-bundle',
      variant,
      repository,
      target,
      reference,
      signet,
      peerTrust: { publicKeyFile: trust.key.publicKeyFile, ...(trust.requireTlog ? { trustedRootFile: this.trustedRootFile } : {}), ...(trust.tsa ? { trustedRootFile: this.tsaRootFile, tsaChainFile: this.tsaChainFile } : {}) },
      ...(trust.predicateType ? { predicateType: trust.predicateType, judge: attestationJudge(trust.predicateType) } : {}),
    });
  }

  /**
   * One case per key on a fresh repository: build() pushes what it needs and may change who is trusted. Each case is
   * checked by tag and by digest, and for P-256 once more with sigstore's public-good root turned off, where Signet
   * checks a key-signed bundle without any trusted root.
   */
  private async each(keys: TestKey[], klass: string, rule: string, expected: 'pass' | 'fail', build: (key: TestKey, repository: string, image: { digest: string; size: number; bytes: Buffer }) => Promise<Partial<Trust> | void>): Promise<void> {
    for (const key of keys) {
      const repository = `adversarial/bundle-${klass}-${key.name}-${++this.counter}`;
      const image = await this.image(repository, 'v1', `bundle ${repository}`);
      const trust: Trust = { key, ...((await build(key, repository, image)) ?? {}) };
      await this.add(klass, rule, expected, key.name, repository, 'v1', trust, true);
      if (trust.tagOnly) continue;
      await this.add(klass, rule, expected, key.name, repository, image.digest, trust, true);
      if (key.name === 'p256') await this.add(klass, rule, expected, `${key.name}-no-public-good`, repository, image.digest, trust, false);
    }
  }

  private async cosign(args: string[]): Promise<void> {
    const home = await mkdtemp(join(this.dir, 'cosign-home-'));
    try {
      const { code, output } = await exec(cosignBinary, args, { ...process.env, HOME: home, COSIGN_PASSWORD: '', TUF_ROOT: join(home, 'tuf'), SIGSTORE_NO_CACHE: 'true' });
      if (code !== 0) throw new Error(`cosign ${args[0]}: ${output}`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  async build(): Promise<CorpusCase[]> {
    const keys = [await this.key('p256', 'prime256v1'), await this.key('p384', 'secp384r1')];
    const other = await this.key('other', 'prime256v1');
    this.trustedRootFile = join(this.dir, 'bundle-public-good.json');
    await writeFile(this.trustedRootFile, JSON.stringify(await publicGoodTrustedRoot()));
    const tsa = await startTimestampAuthority();
    this.tsaUrl = tsa.url;
    this.tsaChainFile = tsa.chainFile;
    // cosign takes a timestamp authority for bundles only from a trusted root: one that names the loopback authority alone.
    const pems = (await readFile(tsa.chainFile, 'utf8')).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const chain = pems.map((pem) => new X509Certificate(pem)).reverse();
    this.tsaRootFile = join(this.dir, 'bundle-tsa-root.json');
    await writeFile(
      this.tsaRootFile,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [{ subject: { organization: 'Signet Test', commonName: 'Test TSA' }, uri: tsa.url, certChain: { certificates: chain.map((c) => ({ rawBytes: c.raw.toString('base64') })) }, validFor: { start: new Date(Date.now() - 3_600_000).toISOString() } }],
      }),
    );
    try {
      await this.all(keys, other);
    } finally {
      await tsa.stop();
    }
    return this.cases;
  }

  private async all(keys: TestKey[], other: TestKey): Promise<void> {
    const write = BundleCases.write;
    const signature = (key: TestKey, digest: string, edit?: (s: Record<string, unknown>) => void) => write(this.dsse(key, this.statement(digest, COSIGN_SIGN, edit)));
    const attestation = (key: TestKey, digest: string, predicateType = SLSA, edit?: (s: Record<string, unknown>) => void) => write(this.dsse(key, this.statement(digest, predicateType, edit)));
    const att = (predicateType = SLSA) => ({ predicateType });

    // Good signatures, from each producer.
    await this.each(keys, 'bundle-good-cosign-sign', 'none: a signature cosign 3.1 made (sign --new-bundle-format, key-based, no log)', 'pass', async (key, repository, image) => {
      await this.cosign(['sign', '--key', key.cosignKeyFile, '--use-signing-config=false', '--tlog-upload=false', '--new-bundle-format', '--allow-http-registry', '--allow-insecure-registry', '--yes', `${this.host}/${repository}@${image.digest}`]);
    });
    await this.each(keys, 'bundle-good-cosign-attest', 'none: an SLSA provenance attestation cosign 3.1 made (attest --new-bundle-format)', 'pass', async (key, repository, image) => {
      const predicate = join(this.dir, `predicate-${repository.replaceAll('/', '-')}.json`);
      await writeFile(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build' }, runDetails: {} }));
      await this.cosign(['attest', '--key', key.cosignKeyFile, '--use-signing-config=false', '--tlog-upload=false', '--new-bundle-format', '--type', 'slsaprovenance1', '--predicate', predicate, '--allow-http-registry', '--allow-insecure-registry', '--yes', `${this.host}/${repository}@${image.digest}`]);
      return att();
    });
    await this.each(keys, 'bundle-good-signet-sign', "none: a signature Signet's own signer made (sigstore bundle format)", 'pass', async (key, repository, image) => {
      const statement = signingStatement(repository, image.digest, {});
      const bundle = sigstoreBundle(statement, sign('sha256', dsseSignedBytes(statement), key.privateKey), key.publicKey.export({ type: 'spki', format: 'pem' }) as string, null);
      await pushReferrer(this.source, this.source, repository, { digest: image.digest, mediaType: OCI_MANIFEST, size: image.size }, { artifactType: BUNDLE_V03, layerMediaType: BUNDLE_V03, layer: bundle, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': COSIGN_SIGN } });
    });
    await this.each(keys, 'bundle-good-signature', 'none: a DSSE cosign/sign/v1 statement about the image', 'pass', async (key, repository, image) => this.referrer(repository, image, signature(key, image.digest)));
    await this.each(keys, 'bundle-good-attestation', 'none: an SLSA provenance attestation about the image', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, attestation(key, image.digest), { predicateType: SLSA });
      return att();
    });
    await this.each(keys, 'bundle-good-statement-v01', 'none: in-toto Statement v0.1, as cosign 3.1 attest still writes', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, attestation(key, image.digest, SLSA, (s) => (s._type = 'https://in-toto.io/Statement/v0.1')), { predicateType: SLSA });
      return att();
    });
    await this.each(keys, 'bundle-good-one-of-two', 'none: a valid bundle among others that do not verify', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, signature(other, image.digest));
      await this.referrer(repository, image, signature(key, image.digest));
    });
    await this.each(keys, 'bundle-good-key-hint-other', 'none: the public key hint is unauthenticated; the trusted key decides', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.dsse(key, this.statement(image.digest, COSIGN_SIGN), { hintKey: other.publicKey })));
    });
    await this.each(keys, 'bundle-good-timestamp', 'none: an RFC 3161 timestamp over the signature from a trusted authority', 'pass', async (key, repository, image) => {
      const parts = this.dsse(key, this.statement(image.digest, COSIGN_SIGN));
      const token = await requestTimestamp(this.tsaUrl, Buffer.from(parts.dsseEnvelope!.signatures[0]!.sig, 'base64'));
      parts.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] };
      await this.referrer(repository, image, write(parts));
      return { tsa: true };
    });
    await this.each(keys, 'bundle-good-predicate-unknown-field', 'none: a predicate may carry fields the verifier does not know', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, attestation(key, image.digest, SLSA, (s) => ((s.predicate as Record<string, unknown>).extension = { note: 'x' })), { predicateType: SLSA });
      return att();
    });
    await this.each(keys, 'bundle-good-referrer-artifact-type', 'none: the referrer descriptor artifactType is unsigned; the bundle layer is read', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest), { artifactType: 'application/vnd.example.other+json' });
    });
    await this.each(keys, 'bundle-good-subject-elsewhere', 'none: the referrer manifest is unsigned; the signed statement names this image, which decides', 'pass', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `elsewhere ${repository}`);
      await this.referrer(repository, elsewhere, signature(key, image.digest), { listedUnder: image.digest });
    });

    // The signed statement and envelope.
    await this.each(keys, 'bundle-dsse-payload-type', 'the DSSE payloadType must be application/vnd.in-toto+json (re-signed over the new PAE)', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.dsse(key, this.statement(image.digest, COSIGN_SIGN), { payloadType: 'application/vnd.example+json' })));
    });
    await this.each(keys, 'bundle-statement-subject-other', 'the statement subject must carry this manifest digest', 'fail', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `other ${repository}`);
      await this.referrer(repository, image, signature(key, elsewhere.digest));
    });
    await this.each(keys, 'bundle-statement-subject-algorithm', 'a subject digest of an unknown algorithm matches nothing', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => (s.subject = [{ name: 'image', digest: { sha256x: image.digest.slice(7) } }])));
    });
    await this.each(keys, 'bundle-statement-subject-uppercase', 'sha256 subject digests are lowercase hex; another string is another digest', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => (s.subject = [{ name: 'image', digest: { sha256: image.digest.slice(7).toUpperCase() } }])));
    });
    await this.each(keys, 'bundle-statement-subject-empty', 'a statement without subjects is about nothing', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => (s.subject = [])));
    });
    await this.each(keys, 'bundle-predicate-type-other', 'the attestation must carry the predicate type the policy names', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, attestation(key, image.digest, SPDX), { predicateType: SPDX });
      return att(SLSA);
    });
    await this.each(keys, 'bundle-attestation-as-signature', 'an attestation of another predicate type is not an image signature', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, attestation(key, image.digest), { predicateType: SLSA });
    });
    await this.each(keys, 'bundle-statement-type-wrong', 'the statement _type must be an in-toto Statement type', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => (s._type = 'https://example.com/Statement/v1')));
    });
    await this.each(keys, 'bundle-statement-type-missing', 'the statement _type is required', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => delete s._type));
    });
    await this.each(keys, 'bundle-statement-not-json', 'the DSSE payload must be a JSON statement', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.dsse(key, Buffer.from(`not json ${image.digest}`))));
    });
    await this.each(keys, 'bundle-statement-unknown-field', 'none: in-toto consumers MUST ignore unrecognized statement fields', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest, (s) => (s.extension = 'x')));
    });
    await this.each(keys, 'bundle-statement-duplicate-subject', 'a statement naming a key twice is ambiguous and must be refused (the last subject is this image)', 'fail', async (key, repository, image) => {
      const text = this.statement(image.digest, COSIGN_SIGN).toString('utf8').replace('"subject":', `"subject":[{"name":"x","digest":{"sha256":"${'0'.repeat(64)}"}}],"subject":`);
      await this.referrer(repository, image, write(this.dsse(key, Buffer.from(text))));
    });
    await this.each(keys, 'bundle-statement-duplicate-predicate-type', 'a statement naming predicateType twice is ambiguous and must be refused', 'fail', async (key, repository, image) => {
      const text = this.statement(image.digest, SLSA).toString('utf8').replace('"predicateType":', `"predicateType":"${SPDX}","predicateType":`);
      await this.referrer(repository, image, write(this.dsse(key, Buffer.from(text))), { predicateType: SLSA });
      return att();
    });

    // The bundle document.
    await this.each(keys, 'bundle-media-type-unknown', 'a bundle of an unknown version cannot be read', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write({ ...this.dsse(key, this.statement(image.digest, COSIGN_SIGN)), mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' }));
    });
    await this.each(keys, 'bundle-media-type-older', 'an image referrer carries a v0.3 bundle; an older bundle inside is refused', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write({ ...this.dsse(key, this.statement(image.digest, COSIGN_SIGN)), mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' }));
    });
    await this.each(keys, 'bundle-media-type-missing', 'a bundle without a mediaType has no version', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write({ ...this.dsse(key, this.statement(image.digest, COSIGN_SIGN)), mediaType: null }));
    });
    await this.each(keys, 'bundle-unknown-field', 'a bundle is a protobuf message read strictly: an unknown field is refused', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write({ ...this.dsse(key, this.statement(image.digest, COSIGN_SIGN)), extra: { unexpected: true } }));
    });
    await this.each(keys, 'bundle-duplicate-envelope-payload', 'a bundle naming a key twice is ambiguous and must be refused (the last payload is this image)', 'fail', async (key, repository, image) => {
      const elsewhere = this.statement(`sha256:${'0'.repeat(64)}`, COSIGN_SIGN).toString('base64');
      const text = signature(key, image.digest).replace('"payload":', `"payload":"${elsewhere}","payload":`);
      await this.referrer(repository, image, text);
    });
    await this.each(keys, 'bundle-dsse-two-signatures', 'a DSSE envelope in a bundle carries exactly one signature (here a bad one, then the good one)', 'fail', async (key, repository, image) => {
      const parts = this.dsse(key, this.statement(image.digest, COSIGN_SIGN));
      const bad = sign('sha256', Buffer.from('something else'), other.privateKey).toString('base64');
      parts.dsseEnvelope!.signatures = [{ sig: bad }, parts.dsseEnvelope!.signatures[0]!];
      await this.referrer(repository, image, write(parts));
    });
    await this.each(keys, 'bundle-dsse-two-signatures-good-first', 'a DSSE envelope in a bundle carries exactly one signature (here the good one, then a bad one)', 'fail', async (key, repository, image) => {
      const parts = this.dsse(key, this.statement(image.digest, COSIGN_SIGN));
      const bad = sign('sha256', Buffer.from('something else'), other.privateKey).toString('base64');
      parts.dsseEnvelope!.signatures = [parts.dsseEnvelope!.signatures[0]!, { sig: bad }];
      await this.referrer(repository, image, write(parts));
    });
    await this.each(keys, 'bundle-signed-by-other-key', 'the signature must be made by the trusted key, whatever the hint names', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.dsse(other, this.statement(image.digest, COSIGN_SIGN), { hintKey: key.publicKey })));
    });
    await this.each(keys, 'bundle-certificate-untrusted', 'a certificate whose chain reaches no trusted root does not stand in for the trusted key', 'fail', async (key, repository, image) => {
      const chain = makeChain({ leaf: { ca: false, keyUsage: ['digitalSignature'], eku: ['1.3.6.1.5.5.7.3.3'], key: { privateKey: key.privateKey, publicKey: key.publicKey } } });
      const parts = this.dsse(key, this.statement(image.digest, COSIGN_SIGN));
      parts.verificationMaterial = { certificate: { rawBytes: chain.leaf.der.toString('base64') } };
      await this.referrer(repository, image, write(parts));
    });
    await this.each(keys, 'bundle-tlog-required-absent', 'with a transparency-log entry required, a bundle without one is not verified', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest));
      return { requireTlog: true };
    });
    await this.each(keys, 'bundle-timestamp-spliced', 'an RFC 3161 timestamp over other bytes does not timestamp this signature', 'fail', async (key, repository, image) => {
      const parts = this.dsse(key, this.statement(image.digest, COSIGN_SIGN));
      const token = await requestTimestamp(this.tsaUrl, Buffer.from(`another signature ${repository}`));
      parts.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] };
      await this.referrer(repository, image, write(parts));
      return { tsa: true };
    });

    // Message signatures over the manifest bytes.
    await this.each(keys, 'bundle-message-signature', 'none: a message signature over the manifest bytes, with their SHA-256 as its digest', 'pass', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.message(key, image.bytes)));
    });
    await this.each(keys, 'bundle-message-digest-other', 'the message digest and signature are over another manifest', 'fail', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `other ${repository}`);
      await this.referrer(repository, image, write(this.message(key, elsewhere.bytes)));
    });
    await this.each(keys, 'bundle-message-digest-mismatch', "the message digest names this manifest but the signature is over another's bytes", 'fail', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `other ${repository}`);
      await this.referrer(repository, image, write(this.message(key, elsewhere.bytes, image.bytes)));
    });
    await this.each(keys, 'bundle-message-digest-algorithm', 'a message digest of an unspecified algorithm cannot be compared', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, write(this.message(key, image.bytes, image.bytes, 'HASH_ALGORITHM_UNSPECIFIED')));
    });

    // The referrer manifest and where it is listed.
    await this.each(keys, 'bundle-referrer-copied', "a bundle referrer copied from another image's referrers does not sign this one", 'fail', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `other ${repository}`);
      await this.referrer(repository, elsewhere, signature(key, elsewhere.digest), { listedUnder: image.digest });
    });
    await this.each(keys, 'bundle-referrer-resubjected', 'a referrer whose subject was changed to this image still carries a statement about another', 'fail', async (key, repository, image) => {
      const elsewhere = await this.image(repository, 'other', `other ${repository}`);
      await this.referrer(repository, image, signature(key, elsewhere.digest));
    });
    await this.each(keys, 'bundle-layer-media-type', 'only a layer of a sigstore bundle media type carries a bundle', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest), { layerMediaType: 'application/octet-stream', artifactType: 'application/vnd.example.other+json' });
    });
    await this.each(keys, 'bundle-two-layers', 'a bundle referrer has exactly one layer', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest), { extraLayer: Buffer.from(signature(other, image.digest)) });
    });
    await this.each(keys, 'bundle-tag-moved', 'a tag moved after signing names an unsigned manifest', 'fail', async (key, repository, image) => {
      await this.referrer(repository, image, signature(key, image.digest));
      await this.factory.image(repository, 'v1', { os: 'linux', architecture: 'arm64' }, `moved ${repository}`);
      return { tagOnly: true };
    });
  }
}

/** cosign 3 style sigstore bundle referrers: image signatures and in-toto attestations, read by cosign 3.1. */
export const bundleCorpus: Corpus = {
  name: 'bundle',
  build: (registryUrl, dir) => new BundleCases(registryUrl, dir).build(),
  peers: bundlePeers,
};
