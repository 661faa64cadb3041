// Cosign simple-signing cases on the loopback registry: good signatures, then mutations that keep every signature
// valid (re-signed with the case's test key) and break exactly one rule of cosign's signature spec or of
// containers/image's simple-signing rules, plus the few that only break a signature.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { publicKeysFromPem } from '../../main/signatures/cosign.verifier.ts';
import { appendCosignSignature, simpleSigningPayload } from '../../main/signing/cosign.writer.ts';
import { EKU, makeCertificate, makeChain, type CertificateOptions, type Issued } from '../support/certificate-factory.ts';
import { ImageFactory } from '../support/image-factory.ts';
import type { Corpus, CorpusCase } from './corpus.types.ts';
import { cosignPeers } from './peers.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
const SIGNER_EMAIL = 'signer@example.com';
const DAY = 86_400_000;
const TOOLS = fileURLToPath(new URL('../../.tools/', import.meta.url));
const run = promisify(execFile);

/** A private CA's chain as one case uses it: what the signature carries, and what the verifiers are told to trust. */
interface PkiChain {
  root: Issued;
  intermediate: Issued;
  leaf: Issued;
  /** The certificates the signature's chain annotation carries, in order. */
  carried?: Issued[];
  /** The certificate in the signature's certificate annotation when it is not the signing leaf. */
  presented?: Issued;
}

interface TestKey {
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyFile: string;
}

/** What a case trusts: the public half, also as the file the peers read. */
type TrustedKey = Pick<TestKey, 'name' | 'publicKey' | 'publicKeyFile'>;

interface Layer {
  payload: Buffer;
  signature?: string;
  mediaType?: string;
  annotations?: Record<string, string>;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

// Signs as cosign does: SHA-256 for ECDSA (DER) and RSA (PKCS #1 v1.5), pure Ed25519 over the payload.
function signPayload(key: TestKey, payload: Buffer): Buffer {
  return key.privateKey.asymmetricKeyType === 'ed25519' ? sign(null, payload, key.privateKey) : sign('sha256', payload, key.privateKey);
}

function payloadFor(dockerReference: string, digest: string, extra: { critical?: object; optional?: object | null; type?: string } = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: extra.type ?? 'cosign container image signature', ...extra.critical },
      optional: extra.optional === undefined ? null : extra.optional,
    }),
  );
}

// ECDSA signatures stay valid when s is replaced by n - s; Go and OpenSSL both accept either form.
function highS(der: Buffer): Buffer {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const rLength = der[3]!;
  const r = der.subarray(4, 4 + rLength);
  const s = BigInt(`0x${der.subarray(6 + rLength).toString('hex')}`);
  const flipped = n - s;
  let hex = flipped.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let sBytes = Buffer.from(hex, 'hex');
  if (sBytes[0]! & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, sBytes.length]), sBytes]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

// DER (r, s) to the fixed-width r || s form, which cosign's spec does not use.
function derToP1363(der: Buffer, width: number): Buffer {
  const rLength = der[3]!;
  const r = der.subarray(4, 4 + rLength);
  const s = der.subarray(6 + rLength);
  const pad = (v: Buffer) => Buffer.concat([Buffer.alloc(width), v.subarray(v[0] === 0 ? 1 : 0)]).subarray(-width);
  return Buffer.concat([pad(r), pad(s)]);
}

class CosignCases {
  private readonly factory: ImageFactory;
  private readonly host: string;
  private readonly cases: CorpusCase[] = [];
  private counter = 0;

  private readonly dir: string;

  constructor(registryUrl: string, dir: string) {
    this.dir = dir;
    this.factory = new ImageFactory(registryUrl);
    this.host = new URL(registryUrl).host;
  }

  private async key(name: string, type: 'p256' | 'p384' | 'rsa' | 'ed25519'): Promise<TestKey> {
    const pair =
      type === 'p256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : type === 'p384'
          ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          : type === 'rsa'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 })
            : generateKeyPairSync('ed25519');
    const publicKeyFile = join(this.dir, `${name}.pub`);
    await writeFile(publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return { name, privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyFile };
  }

  // The signature manifest cosign writes under the sha256-<hex>.sig tag: one simple-signing layer per signature.
  private async pushSignature(repository: string, imageDigest: string, layers: Layer[], options: { manifestMediaType?: string; rawManifest?: (json: string) => string } = {}): Promise<void> {
    const descriptors = [];
    for (const layer of layers) {
      const blob = await this.factory.blob(repository, layer.payload);
      descriptors.push({ mediaType: layer.mediaType ?? SIMPLE_SIGNING, size: blob.size, digest: blob.digest, annotations: { ...(layer.signature === undefined ? {} : { [SIGNATURE_ANNOTATION]: layer.signature }), ...layer.annotations } });
    }
    const config = await this.factory.blob(repository, Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) }, config: {} })));
    const mediaType = options.manifestMediaType ?? OCI_MANIFEST;
    const manifest = { schemaVersion: 2, mediaType, config: { mediaType: mediaType === OCI_MANIFEST ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', size: config.size, digest: config.digest }, layers: descriptors };
    const tag = `${imageDigest.replace(':', '-')}.sig`;
    const json = JSON.stringify(manifest);
    await this.factory.manifestBytes(repository, tag, Buffer.from(options.rawManifest ? options.rawManifest(json) : json), mediaType);
  }

  private async image(repository: string, tag: string): Promise<string> {
    return (await this.factory.image(repository, tag, { os: 'linux', architecture: 'amd64' }, `adversarial ${repository} ${tag}`)).digest;
  }

  private add(key: TrustedKey, klass: string, rule: string, expected: 'pass' | 'fail', repository: string, target: string): void {
    const reference = target.startsWith('sha256:') ? `${this.host}/${repository}@${target}` : `${this.host}/${repository}:${target}`;
    this.cases.push({
      id: `${klass}/${key.name}/${target.startsWith('sha256:') ? 'digest' : 'tag'}`,
      class: klass,
      rule,
      expected,
      format: 'cosign-simple-signing',
      variant: key.name,
      repository,
      target,
      reference,
      signet: { keys: [key.publicKey] },
      peerTrust: { publicKeyFile: key.publicKeyFile },
    });
  }

  // One case on a fresh repository: build() pushes the image and its signature, and says which key must verify it.
  private async each(key: TrustedKey, klass: string, rule: string, expected: 'pass' | 'fail', build: (repository: string, digest: string) => Promise<{ target?: 'tag' | 'digest'; key?: TrustedKey } | void>): Promise<void> {
    const repository = `adversarial/${klass}-${key.name}-${++this.counter}`;
    const digest = await this.image(repository, 'v1');
    const answer = (await build(repository, digest)) ?? {};
    this.add(answer.key ?? key, klass, rule, expected, repository, answer.target === 'digest' ? digest : 'v1');
    if (answer.target === undefined) {
      // The same signature checked by digest as well as by tag: references of both forms must agree.
      this.add(answer.key ?? key, klass, rule, expected, repository, digest);
    }
  }

  // One private-CA case: the image signed by the chain's leaf, checked against the chain's root by tag and by digest.
  private async eachPki(variant: string, klass: string, rule: string, expected: 'pass' | 'fail', chain: PkiChain, trustedRoot: Issued = chain.root): Promise<void> {
    const repository = `adversarial/${klass}-${variant}-${++this.counter}`;
    const digest = await this.image(repository, 'v1');
    const payload = payloadFor(`${this.host}/${repository}`, digest);
    const carried = chain.carried ?? [chain.intermediate, chain.root];
    await this.pushSignature(repository, digest, [
      {
        payload,
        signature: sign('sha256', payload, chain.leaf.privateKey).toString('base64'),
        annotations: { [CERTIFICATE_ANNOTATION]: (chain.presented ?? chain.leaf).cert.toString(), [CHAIN_ANNOTATION]: carried.map((c) => c.cert.toString()).join('') },
      },
    ]);
    const files = join(this.dir, repository.replace(/\//g, '_'));
    await mkdir(files, { recursive: true });
    const pki = { rootsFile: join(files, 'roots.pem'), intermediatesFile: join(files, 'intermediates.pem'), trustedRootFile: join(files, 'trusted_root.json'), email: SIGNER_EMAIL };
    await writeFile(pki.rootsFile, trustedRoot.cert.toString());
    await writeFile(pki.intermediatesFile, chain.intermediate.cert.toString());
    await writeFile(pki.trustedRootFile, JSON.stringify(privateTrustedRoot(chain.intermediate, trustedRoot)));
    for (const target of ['v1', digest]) {
      this.cases.push({
        id: `${klass}/${variant}/${target === 'v1' ? 'tag' : 'digest'}`,
        class: klass,
        rule,
        expected,
        format: 'cosign-private-pki',
        variant,
        repository,
        target,
        reference: target === 'v1' ? `${this.host}/${repository}:v1` : `${this.host}/${repository}@${digest}`,
        signet: { keys: [], cosign: { rekorKeys: [], roots: [trustedRoot.cert], intermediates: [chain.intermediate.cert], identity: { email: SIGNER_EMAIL } } },
        peerTrust: { pki },
      });
    }
  }

  // Certificate rules of RFC 5280 path validation as Go's crypto/x509 applies them for cosign and containers/image.
  private async pkiCases(): Promise<void> {
    for (const variant of ['p256', 'p384']) {
      const leafKey = () => generateKeyPairSync('ec', { namedCurve: variant === 'p256' ? 'prime256v1' : 'secp384r1' });
      const chain = (overrides: { root?: Partial<CertificateOptions>; intermediate?: Partial<CertificateOptions>; leaf?: Partial<CertificateOptions> } = {}) =>
        makeChain({ ...overrides, leaf: { email: SIGNER_EMAIL, key: leafKey(), ...overrides.leaf } });
      const v = `${variant}-ca`;
      const past = { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) };
      const future = { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) };
      await this.eachPki(v, 'cert-good', 'none: a code-signing leaf chaining to the trusted root', 'pass', chain());
      await this.eachPki(v, 'cert-good-no-eku', 'none: a leaf without extended key usage may sign anything, as Go reads RFC 5280', 'pass', chain({ leaf: { eku: null } }));
      const reordered = chain();
      await this.eachPki(v, 'cert-good-chain-reordered', 'none: the carried chain is a pool of candidates, its order does not matter', 'pass', { ...reordered, carried: [reordered.root, reordered.intermediate] });
      await this.eachPki(v, 'cert-eku-server-auth', 'a signing leaf with extended key usage must allow code signing', 'fail', chain({ leaf: { eku: [EKU.serverAuth] } }));
      await this.eachPki(v, 'cert-issuer-not-ca', 'every issuer must be a CA (basicConstraints cA true)', 'fail', chain({ intermediate: { ca: false, keyUsage: ['keyCertSign', 'digitalSignature'] } }));
      await this.eachPki(v, 'cert-issuer-no-basic-constraints', 'an issuer without basicConstraints is not a CA', 'fail', chain({ intermediate: { ca: null } }));
      await this.eachPki(v, 'cert-path-length', "a path longer than the root's pathLenConstraint is refused", 'fail', chain({ root: { pathLen: 0 } }));
      await this.eachPki(v, 'cert-leaf-expired', 'the signing certificate must be valid at the signing time (now, without a log or timestamp)', 'fail', chain({ leaf: past }));
      await this.eachPki(v, 'cert-leaf-not-yet-valid', 'the signing certificate must already be valid', 'fail', chain({ leaf: future }));
      await this.eachPki(v, 'cert-intermediate-expired', 'every certificate of the path must be valid, not only the leaf', 'fail', chain({ intermediate: { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - 2 * DAY) } }));
      await this.eachPki(v, 'cert-intermediate-expired-since-issue', 'every certificate of the path must be valid at the signing time, not only when the leaf was issued', 'fail', chain({ root: { notBefore: new Date(Date.now() - 60 * DAY) }, intermediate: { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY / 24) }, leaf: { notBefore: new Date(Date.now() - 2 * DAY) } }));
      await this.eachPki(v, 'cert-unknown-critical-extension', 'a certificate with a critical extension the verifier does not know is refused', 'fail', chain({ leaf: { extra: [{ oid: '1.3.6.1.4.1.55555.1', critical: true, value: Buffer.from([0x05, 0x00]) }] } }));
      await this.eachPki(v, 'cert-wrong-email', "the certificate's e-mail address must be the one trusted", 'fail', chain({ leaf: { email: 'someone-else@example.com' } }));
      const swapped = chain();
      const stranger = makeCertificate({ commonName: 'Another Signer', issuer: swapped.intermediate, ca: false, eku: [EKU.codeSigning], email: SIGNER_EMAIL, key: leafKey() });
      await this.eachPki(v, 'cert-swapped', "the signature must verify with the presented certificate's key", 'fail', { ...swapped, presented: stranger });
      const foreign = chain();
      await this.eachPki(v, 'cert-untrusted-root', 'the path must end at a trusted root, not one the signature brings', 'fail', foreign, chain().root);
    }
  }

  // Good signatures as the peers themselves write them, and as Signet's own signer does: each must verify everywhere.
  private async madeByPeers(): Promise<void> {
    const keyDir = join(this.dir, 'cosign-made');
    await mkdir(keyDir, { recursive: true });
    const env = { ...process.env, COSIGN_PASSWORD: 'adversarial', HOME: keyDir };
    await run(join(TOOLS, 'current', 'bin', 'cosign'), ['generate-key-pair'], { cwd: keyDir, env });
    const publicKeyFile = join(keyDir, 'cosign.pub');
    const publicKey = publicKeysFromPem(await readFile(publicKeyFile, 'utf8'))[0]!;
    const made: TrustedKey = { name: 'p256-cosign-key', publicKey, publicKeyFile };
    const push = ['--allow-http-registry', '--allow-insecure-registry', '--tlog-upload=false', '--yes'];
    // cosign 3 writes the .sig-tag format only when asked not to use a signing config or the bundle format.
    const signers = [
      ['cosign 3.1', join(TOOLS, 'current', 'bin', 'cosign'), ['--use-signing-config=false', '--new-bundle-format=false']],
      ['cosign 2.5', join(TOOLS, 'bin', 'cosign'), []],
    ] as const;
    for (const [name, binary, format] of signers) {
      await this.each(made, `good-by-${name.replace(' ', '-')}`, `none: a signature ${name} made with its own key`, 'pass', async (repository, digest) => {
        await run(binary, ['sign', '--key', join(keyDir, 'cosign.key'), ...format, ...push, `${this.host}/${repository}@${digest}`], { cwd: keyDir, env });
      });
    }
    await writeFile(join(keyDir, 'passphrase'), 'adversarial');
    await mkdir(join(keyDir, 'registries.d'), { recursive: true });
    await writeFile(join(keyDir, 'registries.d', 'sigstore.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
    await writeFile(join(keyDir, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    await this.each(made, 'good-by-skopeo', 'none: a sigstore signature skopeo 1.22 made while copying', 'pass', async (repository) => {
      const from = `docker://${this.host}/${repository}:v1`;
      await run(join(TOOLS, 'current', 'bin', 'skopeo'), ['--registries.d', join(keyDir, 'registries.d'), '--policy', join(keyDir, 'policy.json'), 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by-sigstore-private-key', join(keyDir, 'cosign.key'), '--sign-passphrase-file', join(keyDir, 'passphrase'), from, from], { cwd: keyDir, env });
    });
    const signet = await this.key('p256-signet', 'p256');
    const registry = new RegistrySource(new RegistryClient({ baseUrl: `http://${this.host}` }));
    await this.each(signet, 'good-by-signet', "none: a signature Signet's own cosign writer made", 'pass', async (repository, digest) => {
      const payload = simpleSigningPayload(`${this.host}/${repository}`, digest, { build: '42' });
      await appendCosignSignature(registry, registry, repository, digest, { payload, signature: sign('sha256', payload, signet.privateKey), timestampResponse: null });
    });
  }

  // Every case, for every key type cosign supports.
  async build(): Promise<CorpusCase[]> {
    await this.madeByPeers();
    await this.pkiCases();
    const keys = [await this.key('p256', 'p256'), await this.key('p384', 'p384'), await this.key('rsa2048', 'rsa'), await this.key('ed25519', 'ed25519')];
    const other = await this.key('other', 'p256');
    const good = (key: TestKey, repository: string, digest: string, extra: Parameters<typeof payloadFor>[2] = {}) => {
      const payload = payloadFor(`${this.host}/${repository}`, digest, extra);
      return { payload, signature: signPayload(key, payload).toString('base64') };
    };
    for (const key of keys) {
      const ecdsa = key.privateKey.asymmetricKeyType === 'ec';
      await this.each(key, 'good', 'none', 'pass', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest)]));
      await this.each(key, 'good-optional', 'none: optional claims are not checked', 'pass', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest, { optional: { creator: 'adversarial', note: 'x' } })]));
      await this.each(key, 'good-tagged-identity', 'none: the signed reference may carry a tag of the same repository', 'pass', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}:v1`, digest);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'good-one-of-two', 'none: one valid signature among several suffices', 'pass', async (repository, digest) => {
        const valid = good(key, repository, digest);
        await this.pushSignature(repository, digest, [{ payload: valid.payload, signature: signPayload(other, valid.payload).toString('base64') }, valid]);
      });
      await this.each(key, 'good-docker-manifest', 'none: a Docker schema 2 signature manifest', 'pass', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest)], { manifestMediaType: DOCKER_MANIFEST }));
      if (ecdsa && key.name === 'p256') {
        await this.each(key, 'good-high-s', 'none: an ECDSA signature with the high s value is still valid', 'pass', async (repository, digest) => {
          const payload = payloadFor(`${this.host}/${repository}`, digest);
          await this.pushSignature(repository, digest, [{ payload, signature: highS(signPayload(key, payload)).toString('base64') }]);
        });
      }
      await this.each(key, 'payload-digest', 'the signed manifest digest must equal the manifest being verified', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}`, sha256(Buffer.from(`another manifest ${repository}`)));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-digest-case', 'digests compare exactly: upper-case hex is another string', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}`, `sha256:${digest.slice(7).toUpperCase()}`);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-type', 'critical.type must be "cosign container image signature"', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest, { type: 'atomic container signature' })]));
      await this.each(key, 'payload-identity-repository', 'the signed docker-reference must name the repository being verified', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/adversarial/someone-else`, digest);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-identity-registry', 'the signed docker-reference must name the registry being verified', 'fail', async (repository, digest) => {
        const payload = payloadFor(`registry.example/${repository}`, digest);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-identity-invalid', 'the signed docker-reference must be a valid reference', 'fail', async (repository, digest) => {
        const payload = payloadFor('Not A Reference!!', digest);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-critical-unknown', 'an unknown field in critical must be refused', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest, { critical: { unexpected: 'value' } })]));
      await this.each(key, 'payload-top-level-unknown', 'the payload holds only critical and optional', 'fail', async (repository, digest) => {
        const payload = Buffer.from(JSON.stringify({ ...JSON.parse(payloadFor(`${this.host}/${repository}`, digest).toString('utf8')), extra: true }));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-image-unknown', 'critical.image holds only docker-manifest-digest', 'fail', async (repository, digest) => {
        const payload = Buffer.from(payloadFor(`${this.host}/${repository}`, digest).toString('utf8').replace('"image":{', '"image":{"platform":"linux/amd64",'));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-identity-missing', 'critical.identity.docker-reference is required', 'fail', async (repository, digest) => {
        const payload = Buffer.from(JSON.stringify({ critical: { identity: {}, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-optional-not-object', 'optional is an object or null', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [good(key, repository, digest, { optional: 'text' as unknown as object })]));
      await this.each(key, 'payload-digest-sha512', 'the signed digest names the manifest by its sha256 digest here', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}`, `sha512:${createHash('sha512').update(digest).digest('hex')}`);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'good-annotation-duplicate', 'none: the signature manifest is not signed; the signature annotation read is the one JSON readers agree on (the last)', 'pass', async (repository, digest) => {
        const valid = good(key, repository, digest);
        await this.pushSignature(repository, digest, [valid], { rawManifest: (json) => json.replace(`"${SIGNATURE_ANNOTATION}":`, `"${SIGNATURE_ANNOTATION}":"AAAA","${SIGNATURE_ANNOTATION}":`) });
      });
      await this.each(key, 'signature-no-layers', 'a signature manifest without layers signs nothing', 'fail', async (repository, digest) => this.pushSignature(repository, digest, []));
      await this.each(key, 'payload-not-json', 'the payload must be JSON', 'fail', async (repository, digest) => {
        const payload = Buffer.from(`not json ${digest}`);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-trailing-data', 'nothing may follow the payload JSON', 'fail', async (repository, digest) => {
        const payload = Buffer.concat([payloadFor(`${this.host}/${repository}`, digest), Buffer.from(' {}')]);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-duplicate-digest', 'a payload with duplicate keys is ambiguous and must be refused (the last value is the right digest)', 'fail', async (repository, digest) => {
        const text = payloadFor(`${this.host}/${repository}`, digest).toString('utf8');
        const payload = Buffer.from(text.replace('"image":{', `"image":{"docker-manifest-digest":"sha256:${'0'.repeat(64)}",`));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'payload-duplicate-digest-last', 'a payload with duplicate keys is ambiguous and must be refused (the first value is the right digest)', 'fail', async (repository, digest) => {
        const text = payloadFor(`${this.host}/${repository}`, digest).toString('utf8');
        const payload = Buffer.from(text.replace(/"docker-manifest-digest":"[^"]+"/, (m) => `${m},"docker-manifest-digest":"sha256:${'0'.repeat(64)}"`));
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, payload).toString('base64') }]);
      });
      await this.each(key, 'signature-missing', 'a simple-signing layer needs its signature annotation', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [{ payload: good(key, repository, digest).payload }]));
      await this.each(key, 'signature-not-base64', 'the signature annotation must be base64', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [{ payload: good(key, repository, digest).payload, signature: '!!!! not base64 !!!!' }]));
      await this.each(key, 'signature-other-key', 'the signature must be made by the trusted key', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}`, digest);
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(other, payload).toString('base64') }]);
      });
      await this.each(key, 'signature-other-payload', 'the signature must cover the layer bytes', 'fail', async (repository, digest) => {
        const payload = payloadFor(`${this.host}/${repository}`, digest);
        const signed = payloadFor(`${this.host}/${repository}`, digest, { optional: { changed: true } });
        await this.pushSignature(repository, digest, [{ payload, signature: signPayload(key, signed).toString('base64') }]);
      });
      if (ecdsa) {
        await this.each(key, 'good-p1363', 'none: sigstore verifiers accept an ECDSA signature as raw r || s as well as ASN.1 DER', 'pass', async (repository, digest) => {
          const payload = payloadFor(`${this.host}/${repository}`, digest);
          await this.pushSignature(repository, digest, [{ payload, signature: derToP1363(signPayload(key, payload), key.name === 'p256' ? 32 : 48).toString('base64') }]);
        });
      }
      await this.each(key, 'layer-media-type', 'only simple-signing layers carry signatures', 'fail', async (repository, digest) => this.pushSignature(repository, digest, [{ ...good(key, repository, digest), mediaType: 'application/octet-stream' }]));
      await this.each(key, 'signature-copied', 'a signature copied from another image does not sign this one', 'fail', async (repository, digest) => {
        const elsewhere = await this.image(repository, 'other');
        await this.pushSignature(repository, digest, [good(key, repository, elsewhere)]);
      });
      await this.each(key, 'tag-moved', 'a tag moved after signing points at an unsigned manifest', 'fail', async (repository, digest) => {
        await this.pushSignature(repository, digest, [good(key, repository, digest)]);
        await this.factory.image(repository, 'v1', { os: 'linux', architecture: 'arm64' }, `moved ${repository}`);
        return { target: 'tag' };
      });
      await this.each(key, 'unsigned', 'an image without signatures is not verified', 'fail', async () => undefined);
    }
    return this.cases;
  }
}

// cosign 3 reads a private CA from a trusted root: the intermediate and root as one certificate authority, and no logs.
function privateTrustedRoot(intermediate: Issued, root: Issued): object {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [
      {
        subject: { organization: 'Signet Test', commonName: 'Test Root' },
        uri: 'https://ca.example.test',
        certChain: { certificates: [{ rawBytes: intermediate.der.toString('base64') }, { rawBytes: root.der.toString('base64') }] },
        validFor: { start: new Date(Date.now() - 365 * DAY).toISOString() },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

/** Key- and private-CA-signed cosign signatures in the .sig tag layout, read by cosign and by containers/image (skopeo). */
export const cosignCorpus: Corpus = {
  name: 'cosign',
  build: (registryUrl, dir) => new CosignCases(registryUrl, dir).build(),
  peers: cosignPeers,
};
