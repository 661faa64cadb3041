// Notary Project signature cases on the loopback registry: good signatures from Signet's own Notation writer, from
// notation itself and from the envelope rules, then mutations that keep every signature valid (re-signed with the
// case's test key under a test CA) and break exactly one rule of the Notary Project signature, envelope and trust-store
// specifications or of RFC 5280 and RFC 3161, each in JWS and COSE for P-256, P-384 and RSA signing keys.
import { execFile } from 'node:child_process';
import { constants, createHash, generateKeyPairSync, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { derPrintableString, derOid, derSequence, derSet, derUtf8String, derInteger } from '../../main/encoding/der-writer.ts';
import type { VerificationLevel } from '../../main/signatures/notation.verifier.ts';
import { notationEnvelope, notationParts, notationSignedBytes } from '../../main/signing/envelopes.ts';
import { EKU, makeCertificate, opensslTimestamp, type CertificateOptions, type Issued } from '../support/certificate-factory.ts';
import { encodeCbor, type CborWritable } from '../../main/encoding/cbor.ts';
import { distributionPoint, writeCrl } from '../support/crl-writer.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { writeTimestampToken } from '../support/timestamp-token.ts';
import type { Corpus, CorpusCase } from './corpus.types.ts';
import { notationPeers } from './peers.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';
const PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
const MEDIA = { jws: 'application/jose+json', cose: 'application/cose' } as const;
const SCHEME = 'io.cncf.notary.signingScheme';
const SIGNING_TIME = 'io.cncf.notary.signingTime';
const AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
const EXPIRY = 'io.cncf.notary.expiry';
const PLUGIN = 'io.cncf.notary.verificationPlugin';
const TIMESTAMP = 'io.cncf.notary.timestampSignature';
const COSE_ALG: Record<string, number> = { ES256: -7, ES384: -35, ES512: -36, PS256: -37, PS384: -38, PS512: -39 };
const DAY = 86_400_000;
const root = fileURLToPath(new URL('../../', import.meta.url));
const notationBinary = join(root, '.tools', 'current', 'bin', 'notation');

type Format = 'jws' | 'cose';
type KeyKind = 'p256' | 'p384' | 'rsa';

interface Variant {
  name: string;
  format: Format;
  kind: KeyKind;
  alg: 'ES256' | 'ES384' | 'PS256';
  key: { privateKey: KeyObject; publicKey: KeyObject };
}

interface Chain {
  root: Issued;
  intermediate: Issued;
  leaf: Issued;
}

/** What a case trusts: the same trust policy is given to Signet and written for notation. */
interface Trust {
  ca?: X509Certificate[];
  signingAuthority?: X509Certificate[];
  tsa?: X509Certificate[];
  identities?: string[];
  level?: VerificationLevel;
  verifyTimestamp?: 'always' | 'afterCertExpiry';
  /** CRLs Signet is given; notation fetches them from the distribution points the certificates name. */
  crls?: Buffer[];
}

/** How the signature manifest departs from the one Notation writes. */
interface ManifestShape {
  layerMediaType?: string;
  secondLayer?: { mediaType: string; bytes: Buffer };
  /** The signature type as the config media type (the OCI 1.0 form) instead of artifactType. */
  configType?: boolean;
  /** The signature manifest's own artifactType, where it differs from the one the referrers list declares. */
  artifactType?: string;
  /** Leaves artifactType out of the referrers list entry. */
  untypedEntry?: boolean;
}

interface EnvelopeSpec {
  key: KeyObject;
  alg: string;
  chain: X509Certificate[];
  payload: object;
  scheme?: string;
  signingTime?: Date;
  expiry?: Date;
  /** Further protected headers, by string label. */
  extra?: Record<string, string | boolean | Date>;
  /** The whole crit list, replacing the one the headers call for. */
  crit?: string[];
  /** The signing time header as written, in place of a well-formed one. */
  rawSigningTime?: string | number;
  /** The payload content type header, cty or label 3. */
  contentType?: string;
  /** COSE_Sign1 without its tag 18. */
  untagged?: boolean;
  /** Further unprotected headers. */
  unprotectedExtra?: Record<string, string>;
  /** RSASSA-PSS with the longest salt the key allows instead of one as long as the hash. */
  longSalt?: boolean;
  /** A timestamp token over the signature value. */
  timestamp?: (signature: Buffer) => Buffer;
}

// JWS and COSE sign the same way: ECDSA as r || s, RSASSA-PSS with a salt as long as the hash.
function signBytes(alg: string, key: KeyObject, bytes: Buffer, longSalt = false): Buffer {
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('PS')) return sign(hash, bytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: longSalt ? constants.RSA_PSS_SALTLEN_MAX_SIGN : Number(alg.slice(2)) / 8 });
  return sign(hash, bytes, { key, dsaEncoding: 'ieee-p1363' });
}

const seconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function defaultCrit(spec: EnvelopeSpec): string[] {
  return [SCHEME, ...(spec.expiry ? [EXPIRY] : []), ...(spec.scheme === 'notary.x509.signingAuthority' ? [AUTHENTIC_SIGNING_TIME] : [])];
}

// The flattened JWS JSON serialisation Notation writes, with the chain and any timestamp unprotected.
function jwsEnvelope(spec: EnvelopeSpec): Buffer {
  const scheme = spec.scheme ?? 'notary.x509';
  const time = seconds(spec.signingTime ?? new Date());
  const extra = Object.fromEntries(Object.entries(spec.extra ?? {}).map(([k, v]) => [k, v instanceof Date ? seconds(v) : v]));
  const header = {
    alg: spec.alg,
    crit: spec.crit ?? defaultCrit({ ...spec, scheme }),
    cty: spec.contentType ?? PAYLOAD_TYPE,
    [SCHEME]: scheme,
    [scheme === 'notary.x509.signingAuthority' ? AUTHENTIC_SIGNING_TIME : SIGNING_TIME]: spec.rawSigningTime ?? time,
    ...(spec.expiry ? { [EXPIRY]: seconds(spec.expiry) } : {}),
    ...extra,
  };
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const encodedPayload = Buffer.from(JSON.stringify(spec.payload)).toString('base64url');
  const signature = signBytes(spec.alg, spec.key, Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii'), spec.longSalt);
  const unprotected: Record<string, unknown> = { x5c: spec.chain.map((c) => c.raw.toString('base64')), 'io.cncf.notary.signingAgent': 'signet-adversarial/1.0', ...spec.unprotectedExtra };
  if (spec.timestamp) unprotected[TIMESTAMP] = spec.timestamp(signature).toString('base64');
  return Buffer.from(JSON.stringify({ payload: encodedPayload, protected: encodedHeader, header: unprotected, signature: signature.toString('base64url') }));
}

// A tagged COSE_Sign1 with the protected headers Notation writes: alg, crit, content type, then the notary labels.
function coseEnvelope(spec: EnvelopeSpec): Buffer {
  const scheme = spec.scheme ?? 'notary.x509';
  const time = (date: Date): CborWritable => ({ tag: 1, value: Math.floor(date.getTime() / 1000) });
  const entries: [CborWritable, CborWritable][] = [
    [1, COSE_ALG[spec.alg] ?? 0],
    [2, spec.crit ?? defaultCrit({ ...spec, scheme })],
    [3, spec.contentType ?? PAYLOAD_TYPE],
    [SCHEME, scheme],
    [scheme === 'notary.x509.signingAuthority' ? AUTHENTIC_SIGNING_TIME : SIGNING_TIME, spec.rawSigningTime ?? time(spec.signingTime ?? new Date())],
  ];
  if (spec.expiry) entries.push([EXPIRY, time(spec.expiry)]);
  for (const [label, value] of Object.entries(spec.extra ?? {})) entries.push([label, value instanceof Date ? time(value) : typeof value === 'boolean' ? (value ? 'true' : 'false') : value]);
  const protectedBytes = encodeCbor(new Map(entries));
  const payload = Buffer.from(JSON.stringify(spec.payload));
  const signature = signBytes(spec.alg, spec.key, encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]), spec.longSalt);
  const unprotected = new Map<CborWritable, CborWritable>([[33, spec.chain.map((c) => c.raw)], ['io.cncf.notary.signingAgent', 'signet-adversarial/1.0'], ...Object.entries(spec.unprotectedExtra ?? {})]);
  if (spec.timestamp) unprotected.set(TIMESTAMP, spec.timestamp(signature));
  const sign1: CborWritable = [protectedBytes, unprotected, payload, signature];
  return encodeCbor(spec.untagged ? sign1 : { tag: 18, value: sign1 });
}

function envelope(format: Format, spec: EnvelopeSpec): Buffer {
  return format === 'jws' ? jwsEnvelope(spec) : coseEnvelope(spec);
}

// The signature value an envelope carries, for timestamps taken over another envelope's signature.
function signatureOf(format: Format, bytes: Buffer): Buffer {
  if (format === 'jws') return Buffer.from((JSON.parse(bytes.toString('utf8')) as { signature: string }).signature, 'base64url');
  throw new Error('only JWS signatures are read back');
}

// C, ST and O as Notation's x509.subject identities require them, then the common name.
function subject(commonName: string): Buffer {
  const rdn = (oid: string, value: Buffer) => derSet(derSequence(derOid(oid), value));
  return derSequence(rdn('2.5.4.6', derPrintableString('US')), rdn('2.5.4.8', derUtf8String('WA')), rdn('2.5.4.10', derUtf8String('Signet Test')), rdn('2.5.4.3', derUtf8String(commonName)));
}

const pem = (cert: X509Certificate) => cert.toString();

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args[0] ?? ''}: ${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`)));
  });
}

class NotationCases {
  private readonly factory: ImageFactory;
  private readonly host: string;
  private readonly dir: string;
  private readonly cases: CorpusCase[] = [];
  private counter = 0;
  /** CRLs served on loopback, by path, for the distribution points of revocation cases. */
  private readonly crls = new Map<string, Buffer>();
  private crlBase = '';

  constructor(registryUrl: string, dir: string) {
    this.dir = dir;
    this.factory = new ImageFactory(registryUrl);
    this.host = new URL(registryUrl).host;
  }

  // A root, an intermediate and a code-signing leaf with the variant's key, each as the Notary Project requires unless overridden.
  private chain(variant: Variant, overrides: { root?: Partial<CertificateOptions>; intermediate?: Partial<CertificateOptions>; leaf?: Partial<CertificateOptions> } = {}): Chain {
    const rootCert = makeCertificate({ commonName: 'Notation Test Root', subjectName: subject('Notation Test Root'), pathLen: 1, ...overrides.root });
    const intermediate = makeCertificate({ commonName: 'Notation Test Intermediate', subjectName: subject('Notation Test Intermediate'), issuer: rootCert, pathLen: 0, ...overrides.intermediate });
    const leaf = makeCertificate({ commonName: 'Notation Test Signer', subjectName: subject('Notation Test Signer'), issuer: intermediate, ca: false, eku: [EKU.codeSigning], key: variant.key, ...overrides.leaf });
    return { root: rootCert, intermediate, leaf };
  }

  private tsaChain(leaf: Partial<CertificateOptions> = {}, rootOptions: Partial<CertificateOptions> = {}): { root: Issued; leaf: Issued } {
    const tsaRoot = makeCertificate({ commonName: 'Notation Test TSA Root', subjectName: subject('Notation Test TSA Root'), ...rootOptions });
    return { root: tsaRoot, leaf: makeCertificate({ commonName: 'Notation Test TSA', subjectName: subject('Notation Test TSA'), issuer: tsaRoot, ca: false, eku: [EKU.timeStamping], ekuCritical: true, ...leaf }) };
  }

  private async image(repository: string, tag: string): Promise<Pushed> {
    return this.factory.image(repository, tag, { os: 'linux', architecture: 'amd64' }, `adversarial ${repository} ${tag}`);
  }

  // The signature manifest Notation pushes, with the image as subject, listed in the referrers tag index of `listedUnder`.
  private async pushSignature(repository: string, subjectImage: Pushed, format: Format, bytes: Buffer, chain: X509Certificate[], listedUnder: Pushed = subjectImage, shape: ManifestShape = {}): Promise<void> {
    const config = await this.factory.blob(repository, Buffer.from('{}'));
    const layer = await this.factory.blob(repository, bytes);
    const annotations = { 'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(chain.map((c) => createHash('sha256').update(c.raw).digest('hex'))), 'org.opencontainers.image.created': seconds(new Date()) };
    const layers = [{ mediaType: shape.layerMediaType ?? MEDIA[format], digest: layer.digest, size: layer.size }];
    if (shape.secondLayer) {
      const second = await this.factory.blob(repository, shape.secondLayer.bytes);
      layers.push({ mediaType: shape.secondLayer.mediaType, digest: second.digest, size: second.size });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(shape.configType ? {} : { artifactType: shape.artifactType ?? SIGNATURE_TYPE }),
      config: shape.configType ? { mediaType: SIGNATURE_TYPE, digest: config.digest, size: config.size } : { mediaType: EMPTY, digest: config.digest, size: config.size },
      layers,
      subject: { mediaType: subjectImage.mediaType, digest: subjectImage.digest, size: subjectImage.size },
      annotations,
    };
    const body = Buffer.from(JSON.stringify(manifest));
    const pushed = await this.factory.manifestBytes(repository, `sha256:${createHash('sha256').update(body).digest('hex')}`, body, OCI_MANIFEST);
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: pushed.digest, size: pushed.size, ...(shape.untypedEntry ? {} : { artifactType: SIGNATURE_TYPE }), annotations }] };
    await this.factory.manifest(repository, listedUnder.digest.replace(':', '-'), index, OCI_INDEX);
  }

  // The trust policy and trust stores notation reads, in a configuration folder of the case's own.
  private async notationHome(trust: Trust): Promise<string> {
    const home = join(this.dir, 'notation', `${++this.counter}`);
    const config = join(home, 'notation');
    const stores: string[] = [];
    for (const [type, certs] of [['ca', trust.ca], ['signingAuthority', trust.signingAuthority], ['tsa', trust.tsa]] as const) {
      if (!certs) continue;
      const folder = join(config, 'truststore', 'x509', type, 'adversarial');
      await mkdir(folder, { recursive: true });
      for (const [i, cert] of certs.entries()) await writeFile(join(folder, `cert-${i}.pem`), pem(cert));
      stores.push(`${type}:adversarial`);
    }
    const level = trust.level ?? 'strict';
    const statement =
      level === 'skip'
        ? { name: 'adversarial', registryScopes: ['*'], signatureVerification: { level } }
        : { name: 'adversarial', registryScopes: ['*'], signatureVerification: { level, ...(trust.verifyTimestamp ? { verifyTimestamp: trust.verifyTimestamp } : {}) }, trustStores: stores, trustedIdentities: trust.identities ?? ['*'] };
    await mkdir(config, { recursive: true });
    // notation 1.3 reads trustpolicy.oci.json where it exists and otherwise the older trustpolicy.json; both say the same here.
    const policy = JSON.stringify({ version: '1.0', trustPolicies: [statement] }, null, 2);
    for (const file of ['trustpolicy.oci.json', 'trustpolicy.json']) await writeFile(join(config, file), policy);
    return home;
  }

  private async add(klass: string, variant: string, rule: string, expected: 'pass' | 'fail', repository: string, image: Pushed, trust: Trust): Promise<void> {
    const id = `${klass}/${variant}`;
    this.cases.push({
      id,
      class: klass,
      rule,
      expected,
      format: 'notation',
      variant,
      repository,
      target: image.digest,
      reference: `${this.host}/${repository}@${image.digest}`,
      signet: {
        keys: [],
        notation: {
          ca: trust.ca ?? [],
          signingAuthority: trust.signingAuthority ?? [],
          tsa: trust.tsa ?? [],
          trustedIdentities: trust.identities ?? ['*'],
          level: trust.level ?? 'strict',
          ...(trust.verifyTimestamp ? { verifyTimestamp: trust.verifyTimestamp } : {}),
          tsaConfigured: trust.tsa !== undefined,
          ...(trust.crls ? { crls: trust.crls } : {}),
        },
      },
      peerTrust: { notationHome: await this.notationHome(trust) },
    });
  }

  private repository(klass: string, variant: string): string {
    return `adversarial/notation-${klass}-${variant}-${++this.counter}`.toLowerCase();
  }

  /**
   * One case on a fresh repository: `make` gets the image and the variant's standard chain and returns the envelope
   * and the trust; it is signed, pushed as the image's referrer and verified by digest.
   */
  private async each(
    variant: Variant,
    klass: string,
    rule: string,
    expected: 'pass' | 'fail',
    make: (context: { image: Pushed; repository: string; chain: Chain; payload: object; spec: EnvelopeSpec; trust: Trust }) => Promise<{ spec?: EnvelopeSpec; trust?: Trust; chain?: X509Certificate[]; bytes?: Buffer; subject?: Pushed; shape?: ManifestShape } | void>,
  ): Promise<void> {
    const repository = this.repository(klass, variant.name);
    const image = await this.image(repository, 'v1');
    const chain = this.chain(variant);
    const payload = { targetArtifact: { mediaType: image.mediaType, digest: image.digest, size: image.size } };
    const certs = [chain.leaf.cert, chain.intermediate.cert, chain.root.cert];
    const spec: EnvelopeSpec = { key: variant.key.privateKey, alg: variant.alg, chain: certs, payload };
    const trust: Trust = { ca: [chain.root.cert] };
    const answer = (await make({ image, repository, chain, payload, spec, trust })) ?? {};
    const used = answer.spec ?? spec;
    const bytes = answer.bytes ?? envelope(variant.format, used);
    await this.pushSignature(repository, answer.subject ?? image, variant.format, bytes, answer.chain ?? used.chain, image, answer.shape);
    await this.add(klass, variant.name, rule, expected, repository, image, answer.trust ?? trust);
  }

  // A case whose envelope is made with `chain` in place of the standard one (certificates under test).
  private async withChain(variant: Variant, klass: string, rule: string, expected: 'pass' | 'fail', overrides: Parameters<NotationCases['chain']>[1], options: { anchor?: 'root' | 'leaf' | 'intermediate'; shape?: (c: Chain) => X509Certificate[] } = {}): Promise<void> {
    await this.each(variant, klass, rule, expected, async ({ spec }) => {
      const chain = this.chain(variant, overrides);
      const certs = options.shape ? options.shape(chain) : [chain.leaf.cert, chain.intermediate.cert, chain.root.cert];
      return { spec: { ...spec, chain: certs }, trust: { ca: [chain[options.anchor ?? 'root'].cert] } };
    });
  }

  // notation signs the image itself, with a local key and the variant's chain named in its signingkeys.json.
  private async notationSigned(variant: Variant): Promise<void> {
    const klass = 'good-notation-signed';
    const repository = this.repository(klass, variant.name);
    const image = await this.image(repository, 'v1');
    const chain = this.chain(variant);
    const home = join(this.dir, 'notation-signer', `${++this.counter}`);
    const config = join(home, 'notation');
    await mkdir(config, { recursive: true });
    await writeFile(join(config, 'leaf.key'), variant.key.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(join(config, 'chain.pem'), [chain.leaf.cert, chain.intermediate.cert, chain.root.cert].map(pem).join(''));
    await writeFile(join(config, 'signingkeys.json'), JSON.stringify({ default: 'adversarial', keys: [{ name: 'adversarial', keyPath: join(config, 'leaf.key'), certPath: join(config, 'chain.pem') }] }));
    await run(notationBinary, ['sign', '--insecure-registry', '--signature-format', variant.format, '--key', 'adversarial', `${this.host}/${repository}@${image.digest}`], {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: home,
      XDG_CACHE_HOME: join(home, 'cache'),
    });
    await this.add(klass, variant.name, 'none: a signature notation made with a local key', 'pass', repository, image, { ca: [chain.root.cert] });
  }

  // Signet's own Notation writer (JWS, ECDSA), optionally with a trusted timestamp, as `signet sign --format notation` pushes it.
  private async signetSigned(variant: Variant, stamped: boolean): Promise<void> {
    const klass = stamped ? 'good-signet-signed-timestamped' : 'good-signet-signed';
    const tsa = this.tsaChain();
    await this.each(variant, klass, 'none: a signature made by Signet', 'pass', async ({ image, chain }) => {
      const certs = [chain.leaf.cert, chain.intermediate.cert, chain.root.cert];
      const parts = notationParts({ mediaType: image.mediaType, digest: image.digest, size: image.size }, { 'org.example.build': '42' }, variant.alg as 'ES256' | 'ES384', new Date());
      const signature = signBytes(variant.alg, variant.key.privateKey, notationSignedBytes(parts));
      const response = stamped ? derSequence(derSequence(derInteger(0)), opensslTimestamp(signature, tsa.leaf, [tsa.root])) : null;
      return { bytes: notationEnvelope(parts, signature, certs, 'Signet/adversarial', response), chain: certs, trust: { ca: [chain.root.cert], ...(stamped ? { tsa: [tsa.root.cert] } : {}) } };
    });
  }

  // A loopback CRL server for notation's online revocation check; unreferenced, so it ends with the run.
  private async serveCrls(): Promise<void> {
    const server = createServer((request, response) => {
      const crl = this.crls.get(request.url ?? '');
      response.writeHead(crl ? 200 : 404, { 'content-type': 'application/pkix-crl' });
      response.end(crl);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the CRL server has no port');
    this.crlBase = `http://127.0.0.1:${address.port}`;
  }

  // A chain whose signing certificate names a CRL distribution point, and that CRL (issued by the intermediate), revoking the leaf or not.
  private revocable(variant: Variant, revoked: boolean): { chain: Chain; crl: Buffer } {
    const path = `/crl/${++this.counter}.crl`;
    const chain = this.chain(variant, { leaf: { extra: [{ oid: '2.5.29.31', critical: false, value: distributionPoint(`${this.crlBase}${path}`) }] } });
    const hour = 3_600_000;
    const crl = writeCrl(chain.intermediate, revoked ? [{ cert: chain.leaf, at: new Date(Date.now() - hour) }] : [], new Date(Date.now() - 2 * hour), new Date(Date.now() + 7 * 24 * hour));
    this.crls.set(path, crl);
    return { chain, crl };
  }

  async build(): Promise<CorpusCase[]> {
    await this.serveCrls();
    const keys = {
      p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
      p384: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
      rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    };
    const others = {
      p256: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
      p384: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
      rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    };
    const algs = { p256: 'ES256', p384: 'ES384', rsa: 'PS256' } as const;
    const variants: Variant[] = (['jws', 'cose'] as const).flatMap((format) => (['p256', 'p384', 'rsa'] as const).map((kind) => ({ name: `${format}-${kind}`, format, kind, alg: algs[kind], key: keys[kind] })));
    const now = Date.now();
    const past = (days: number) => new Date(now - days * DAY);
    const future = (days: number) => new Date(now + days * DAY);
    const unknownExtension = { oid: '1.3.6.1.4.1.57264.99.1', critical: true, value: derUtf8String('must understand') };
    const wrongAlg = { ES256: 'ES384', ES384: 'ES256', PS256: 'PS384' } as const;

    for (const v of variants) {
      await this.each(v, 'good', 'none', 'pass', async () => undefined);
      await this.each(v, 'good-expiry-future', 'none: an expiry in the future, marked critical', 'pass', async ({ spec }) => ({ spec: { ...spec, expiry: future(1) } }));
      await this.each(v, 'good-annotations', 'none: user metadata in the payload is signed, not checked', 'pass', async ({ spec, image }) => ({ spec: { ...spec, payload: { targetArtifact: { mediaType: image.mediaType, digest: image.digest, size: image.size, annotations: { 'org.example.build': '42' } } } } }));
      await this.each(v, 'good-eku-absent', 'none: a signing certificate without extendedKeyUsage may sign code (Notary certificate requirements)', 'pass', async ({ spec }) => {
        const chain = this.chain(v, { leaf: { eku: null } });
        return { spec: { ...spec, chain: [chain.leaf.cert, chain.intermediate.cert, chain.root.cert] }, trust: { ca: [chain.root.cert] } };
      });
      await this.each(v, 'good-identity', 'none: the x509.subject trusted identity names the signing certificate', 'pass', async ({ trust }) => ({ trust: { ...trust, identities: ['x509.subject:C=US, ST=WA, O=Signet Test, CN=Notation Test Signer'] } }));
      await this.each(v, 'good-intermediate-anchor', 'none: an intermediate CA in the ca store anchors the chain it is part of', 'pass', async ({ chain }) => ({ trust: { ca: [chain.intermediate.cert] } }));
      await this.each(v, 'good-signing-authority', 'none: notary.x509.signingAuthority with the root in the signingAuthority store', 'pass', async ({ spec, chain }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority' }, trust: { signingAuthority: [chain.root.cert] } }));
      // The factory signs certificates with ECDSA, so only an EC key can sign its own certificate.
      if (v.kind !== 'rsa') await this.each(v, 'good-signing-authority-self-signed', 'none: a self-signed signing certificate may be its own anchor in the signingAuthority store', 'pass', async ({ spec }) => {
        const leaf = makeCertificate({ commonName: 'Notation Test Signer', subjectName: subject('Notation Test Signer'), ca: false, eku: [EKU.codeSigning], key: v.key });
        return { spec: { ...spec, scheme: 'notary.x509.signingAuthority', chain: [leaf.cert] }, trust: { signingAuthority: [leaf.cert] } };
      });
      await this.each(v, 'leaf-anchor-signing-authority-store', 'a signing certificate issued by a CA is neither a CA nor self-signed, so it cannot be an anchor in the signingAuthority store', 'fail', async ({ spec, chain }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority' }, trust: { signingAuthority: [chain.leaf.cert] } }));
      const tsa = this.tsaChain();
      await this.each(v, 'good-timestamped', 'none: a countersignature from a trusted timestamp authority over the signature', 'pass', async ({ spec, chain }) => ({ spec: { ...spec, timestamp: (signature) => opensslTimestamp(signature, tsa.leaf, [tsa.root]) }, trust: { ca: [chain.root.cert], tsa: [tsa.root.cert] } }));
      await this.each(v, 'good-permissive-expired', 'none: level permissive only logs an expired signature', 'pass', async ({ spec, trust }) => ({ spec: { ...spec, signingTime: past(2), expiry: past(1) }, trust: { ...trust, level: 'permissive' } }));
      await this.each(v, 'good-audit-identity', 'none: level audit only logs an untrusted identity', 'pass', async ({ trust }) => ({ trust: { ...trust, level: 'audit', identities: ['x509.subject:C=US, ST=WA, O=Signet Test, CN=Someone Else'] } }));
      await this.each(v, 'good-after-cert-expiry-unchecked', 'none: verifyTimestamp afterCertExpiry does not check the timestamp of an unexpired chain', 'pass', async ({ spec, chain }) => {
        const stranger = this.tsaChain();
        return { spec: { ...spec, timestamp: (signature) => opensslTimestamp(signature, tsa.leaf, [tsa.root]) }, trust: { ca: [chain.root.cert], tsa: [stranger.root.cert], verifyTimestamp: 'afterCertExpiry' } };
      });

      await this.withChain(v, 'leaf-eku-not-code-signing', 'a signing certificate with extendedKeyUsage must include codeSigning', 'fail', { leaf: { eku: [EKU.serverAuth] } });
      await this.withChain(v, 'leaf-key-usage', 'the signing certificate keyUsage must include digitalSignature', 'fail', { leaf: { keyUsage: ['keyEncipherment'] } });
      await this.withChain(v, 'leaf-is-ca', 'the signing certificate must not be a CA', 'fail', { leaf: { ca: true, keyUsage: ['digitalSignature', 'keyCertSign'] } });
      await this.withChain(v, 'issuer-not-ca', 'every issuer must have basicConstraints cA true', 'fail', { intermediate: { ca: false, keyUsage: ['keyCertSign', 'cRLSign'] } });
      await this.withChain(v, 'issuer-key-usage', 'every issuer must have keyCertSign in keyUsage', 'fail', { intermediate: { keyUsage: ['digitalSignature', 'cRLSign'] } });
      await this.withChain(v, 'path-length', 'the root pathLenConstraint 0 forbids an intermediate CA below it', 'fail', { root: { pathLen: 0 } });
      await this.withChain(v, 'leaf-expired', 'the signing certificate must be valid now when no timestamp is relied on', 'fail', { leaf: { notBefore: past(10), notAfter: past(1) } });
      await this.withChain(v, 'leaf-not-yet-valid', 'the signing certificate must already be valid', 'fail', { leaf: { notBefore: future(1), notAfter: future(10) } });
      await this.withChain(v, 'intermediate-expired', 'every certificate of the chain must be valid now', 'fail', { intermediate: { notBefore: past(10), notAfter: past(1) }, leaf: { notBefore: past(5) } });
      await this.withChain(v, 'intermediate-not-yet-valid', 'every certificate of the chain must already be valid', 'fail', { intermediate: { notBefore: future(1), notAfter: future(10) } });
      await this.withChain(v, 'leaf-anchor-ca-store', 'a signing certificate that is not self-signed cannot be a trust anchor in the ca store', 'fail', {}, { anchor: 'leaf' });
      await this.withChain(v, 'leaf-critical-extension', 'a certificate with an unknown critical extension must be refused (RFC 5280 4.2)', 'fail', { leaf: { extra: [unknownExtension] } });
      await this.withChain(v, 'intermediate-critical-extension', 'an issuer with an unknown critical extension must be refused (RFC 5280 4.2)', 'fail', { intermediate: { extra: [unknownExtension] } });
      await this.withChain(v, 'chain-without-root', 'the envelope chain must end in its root certificate', 'fail', {}, { shape: (c) => [c.leaf.cert, c.intermediate.cert] });
      await this.withChain(v, 'chain-out-of-order', 'the envelope chain must be ordered signing certificate first, each issued by the next', 'fail', {}, { shape: (c) => [c.leaf.cert, c.root.cert, c.intermediate.cert] });
      await this.each(v, 'untrusted-root', 'the chain must end in a certificate of the ca store', 'fail', async () => ({ trust: { ca: [this.chain(v).root.cert] } }));

      await this.each(v, 'crit-unknown-header', 'an unknown header listed in crit must be refused', 'fail', async ({ spec }) => ({ spec: { ...spec, extra: { 'com.example.mustUnderstand': 'yes' }, crit: [SCHEME, 'com.example.mustUnderstand'] } }));
      await this.each(v, 'crit-missing-expiry', 'io.cncf.notary.expiry must be listed in crit when present', 'fail', async ({ spec }) => ({ spec: { ...spec, expiry: future(1), crit: [SCHEME] } }));
      await this.each(v, 'crit-missing-scheme', 'io.cncf.notary.signingScheme must be listed in crit', 'fail', async ({ spec }) => ({ spec: { ...spec, expiry: future(1), crit: [EXPIRY] } }));
      await this.each(v, 'verification-plugin', 'a signature that names a verification plugin cannot be verified without it', 'fail', async ({ spec }) => ({ spec: { ...spec, extra: { [PLUGIN]: 'com.example.verifier' } } }));
      await this.each(v, 'scheme-unknown', 'the signing scheme must be notary.x509 or notary.x509.signingAuthority', 'fail', async ({ spec }) => ({ spec: { ...spec, scheme: 'notary.x509.v2' } }));
      await this.each(v, 'scheme-signing-authority-ca-store', 'a notary.x509.signingAuthority signature is trusted only through the signingAuthority store', 'fail', async ({ spec, trust }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority' }, trust }));
      await this.each(v, 'scheme-x509-signing-authority-store', 'a notary.x509 signature is trusted only through the ca store', 'fail', async ({ chain }) => ({ trust: { signingAuthority: [chain.root.cert] } }));
      await this.each(v, 'signing-authority-time', 'the authentic signing time must fall inside the chain validity', 'fail', async ({ spec, chain }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority', signingTime: past(3) }, trust: { signingAuthority: [chain.root.cert] } }));
      await this.each(v, 'crit-missing-authentic-signing-time', 'io.cncf.notary.authenticSigningTime must be listed in crit in a notary.x509.signingAuthority signature', 'fail', async ({ spec, chain }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority', crit: [SCHEME] }, trust: { signingAuthority: [chain.root.cert] } }));
      await this.each(v, 'signing-authority-with-signing-time', 'a notary.x509.signingAuthority signature carries io.cncf.notary.authenticSigningTime, not io.cncf.notary.signingTime', 'fail', async ({ spec, chain }) => ({ spec: { ...spec, scheme: 'notary.x509.signingAuthority', extra: { [SIGNING_TIME]: new Date() } }, trust: { signingAuthority: [chain.root.cert] } }));
      await this.each(v, 'alg-not-key', 'the envelope algorithm must be the one the signing key calls for', 'fail', async ({ spec }) => ({ spec: { ...spec, alg: wrongAlg[v.alg] } }));
      await this.each(v, 'expiry-passed', 'a signature past its io.cncf.notary.expiry is refused at strict', 'fail', async ({ spec }) => ({ spec: { ...spec, signingTime: past(2), expiry: past(1) } }));
      await this.each(v, 'expiry-before-signing', 'the expiry must follow the signing time', 'fail', async ({ spec }) => ({ spec: { ...spec, signingTime: future(2), expiry: future(1) } }));
      await this.each(v, 'signing-time-before-validity', 'none of the chain need be valid at an unauthenticated signing time; the chain is valid now', 'pass', async ({ spec }) => ({ spec: { ...spec, signingTime: past(30) } }));
      await this.each(v, 'target-digest', 'the payload targetArtifact digest must be the image digest', 'fail', async ({ spec, image }) => ({ spec: { ...spec, payload: { targetArtifact: { mediaType: image.mediaType, digest: `sha256:${createHash('sha256').update(image.digest).digest('hex')}`, size: image.size } } } }));
      await this.each(v, 'target-size', 'the payload targetArtifact size must be the image size', 'fail', async ({ spec, image }) => ({ spec: { ...spec, payload: { targetArtifact: { mediaType: image.mediaType, digest: image.digest, size: image.size + 1 } } } }));
      await this.each(v, 'target-media-type', 'the payload targetArtifact mediaType must be the image media type', 'fail', async ({ spec, image }) => ({ spec: { ...spec, payload: { targetArtifact: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: image.digest, size: image.size } } } }));
      await this.each(v, 'referrer-copied', 'a signature of another image, listed among this image\'s referrers, does not sign this one', 'fail', async ({ spec, repository }) => {
        const other = await this.image(repository, 'other');
        return { spec: { ...spec, payload: { targetArtifact: { mediaType: other.mediaType, digest: other.digest, size: other.size } } }, subject: other };
      });
      await this.each(v, 'subject-other-image', 'none: the signature manifest subject is not signed; the payload names this image', 'pass', async ({ repository }) => ({ subject: await this.image(repository, 'other') }));
      await this.each(v, 'signature-other-key', 'the signature must verify with the signing certificate key', 'fail', async ({ spec }) => ({ spec: { ...spec, key: others[v.kind].privateKey } }));
      await this.each(v, 'identity-mismatch', 'the signing certificate subject must match an x509.subject trusted identity', 'fail', async ({ trust }) => ({ trust: { ...trust, identities: ['x509.subject:C=US, ST=WA, O=Signet Test, CN=Someone Else'] } }));
      await this.each(v, 'identity-extra-attribute', 'every attribute of the trusted identity must be in the subject', 'fail', async ({ trust }) => ({ trust: { ...trust, identities: ['x509.subject:C=US, ST=WA, L=Seattle, O=Signet Test, CN=Notation Test Signer'] } }));
      await this.each(v, 'timestamp-spliced', 'the timestamp must be over this signature value, not another one', 'fail', async ({ spec, chain }) => {
        const donor = signatureOf('jws', jwsEnvelope({ ...spec, alg: 'ES256', key: others.p256.privateKey }));
        return { spec: { ...spec, timestamp: () => opensslTimestamp(donor, tsa.leaf, [tsa.root]) }, trust: { ca: [chain.root.cert], tsa: [tsa.root.cert] } };
      });
      await this.each(v, 'timestamp-untrusted-tsa', 'the timestamp must come from an authority in the tsa store', 'fail', async ({ spec, chain }) => {
        const stranger = this.tsaChain();
        return { spec: { ...spec, timestamp: (signature) => opensslTimestamp(signature, stranger.leaf, [stranger.root]) }, trust: { ca: [chain.root.cert], tsa: [tsa.root.cert] } };
      });
      await this.each(v, 'timestamp-root-not-ca', 'the timestamp authority root must be a CA', 'fail', async ({ spec, chain }) => {
        const bad = this.tsaChain({}, { ca: false, keyUsage: ['digitalSignature', 'keyCertSign'] });
        return { spec: { ...spec, timestamp: (signature) => opensslTimestamp(signature, bad.leaf, [bad.root]) }, trust: { ca: [chain.root.cert], tsa: [bad.root.cert] } };
      });
      await this.each(v, 'timestamp-missing', 'with a tsa store and verifyTimestamp always, a signature without a timestamp is not authentic in time', 'fail', async ({ chain }) => ({ trust: { ca: [chain.root.cert], tsa: [tsa.root.cert] } }));
      await this.each(v, 'timestamp-after-leaf-expiry', 'the timestamp must fall inside the signing certificate validity', 'fail', async ({ spec }) => {
        const chain = this.chain(v, { leaf: { notBefore: past(10), notAfter: past(1) } });
        return { spec: { ...spec, chain: [chain.leaf.cert, chain.intermediate.cert, chain.root.cert], timestamp: (signature) => opensslTimestamp(signature, tsa.leaf, [tsa.root]) }, trust: { ca: [chain.root.cert], tsa: [tsa.root.cert] } };
      });
      await this.each(v, 'after-cert-expiry-expired', 'with verifyTimestamp afterCertExpiry an expired chain needs a timestamp inside its validity', 'fail', async ({ spec }) => {
        const chain = this.chain(v, { leaf: { notBefore: past(10), notAfter: past(1) } });
        return { spec: { ...spec, chain: [chain.leaf.cert, chain.intermediate.cert, chain.root.cert], timestamp: (signature) => opensslTimestamp(signature, tsa.leaf, [tsa.root]) }, trust: { ca: [chain.root.cert], tsa: [tsa.root.cert], verifyTimestamp: 'afterCertExpiry' } };
      });
      const aged = { notBefore: past(60) };
      const oldTsa = this.tsaChain(aged, aged);
      const lapsed = (c: Chain) => [c.leaf.cert, c.intermediate.cert, c.root.cert];
      const lapsedChain = () => this.chain(v, { root: aged, intermediate: aged, leaf: { notBefore: past(10), notAfter: past(1) } });
      await this.each(v, 'good-timestamp-written', 'none: a trusted timestamp token over the signature, written field by field', 'pass', async ({ spec, chain }) => ({ spec: { ...spec, timestamp: (signature) => writeTimestampToken(signature, oldTsa.leaf, [oldTsa.root], new Date()) }, trust: { ca: [chain.root.cert], tsa: [oldTsa.root.cert] } }));
      await this.each(v, 'good-timestamp-before-leaf-expiry', 'none: an expired chain is accepted when a trusted timestamp falls inside its validity', 'pass', async ({ spec }) => {
        const c = lapsedChain();
        return { spec: { ...spec, chain: lapsed(c), signingTime: past(5), timestamp: (signature) => writeTimestampToken(signature, oldTsa.leaf, [oldTsa.root], past(5)) }, trust: { ca: [c.root.cert], tsa: [oldTsa.root.cert] } };
      });
      await this.each(v, 'good-after-cert-expiry-timestamped', 'none: verifyTimestamp afterCertExpiry relies on a trusted timestamp inside the validity of an expired chain', 'pass', async ({ spec }) => {
        const c = lapsedChain();
        return { spec: { ...spec, chain: lapsed(c), signingTime: past(5), timestamp: (signature) => writeTimestampToken(signature, oldTsa.leaf, [oldTsa.root], past(5)) }, trust: { ca: [c.root.cert], tsa: [oldTsa.root.cert], verifyTimestamp: 'afterCertExpiry' } };
      });
      await this.each(v, 'timestamp-before-leaf-validity', 'the stamped time must not precede the signing certificate validity', 'fail', async ({ spec }) => {
        const c = lapsedChain();
        return { spec: { ...spec, chain: lapsed(c), signingTime: past(20), timestamp: (signature) => writeTimestampToken(signature, oldTsa.leaf, [oldTsa.root], past(20)) }, trust: { ca: [c.root.cert], tsa: [oldTsa.root.cert] } };
      });
      await this.each(v, 'tsa-leaf-no-time-stamping', 'the timestamp authority certificate must have the timeStamping extended key usage (RFC 3161 2.3)', 'fail', async ({ spec, chain }) => {
        const bad = this.tsaChain({ eku: [EKU.serverAuth], ekuCritical: false });
        return { spec: { ...spec, timestamp: (signature) => writeTimestampToken(signature, bad.leaf, [bad.root], new Date()) }, trust: { ca: [chain.root.cert], tsa: [bad.root.cert] } };
      });
      await this.each(v, 'tsa-leaf-eku-absent', 'the timestamp authority certificate must carry an extendedKeyUsage of timeStamping (RFC 3161 2.3)', 'fail', async ({ spec, chain }) => {
        const bad = this.tsaChain({ eku: null });
        return { spec: { ...spec, timestamp: (signature) => writeTimestampToken(signature, bad.leaf, [bad.root], new Date()) }, trust: { ca: [chain.root.cert], tsa: [bad.root.cert] } };
      });
      await this.each(v, 'tsa-leaf-eku-not-critical', 'the timeStamping extended key usage must be critical (RFC 3161 2.3)', 'fail', async ({ spec, chain }) => {
        const bad = this.tsaChain({ eku: [EKU.timeStamping], ekuCritical: false });
        return { spec: { ...spec, timestamp: (signature) => writeTimestampToken(signature, bad.leaf, [bad.root], new Date()) }, trust: { ca: [chain.root.cert], tsa: [bad.root.cert] } };
      });
      await this.each(v, 'tsa-expired-at-stamp', 'the timestamp authority certificate must be valid at the stamped time', 'fail', async ({ spec, chain }) => {
        const bad = this.tsaChain({ notBefore: past(30), notAfter: past(10) }, aged);
        return { spec: { ...spec, timestamp: (signature) => writeTimestampToken(signature, bad.leaf, [bad.root], past(5)) }, trust: { ca: [chain.root.cert], tsa: [bad.root.cert] } };
      });
      await this.each(v, 'timestamp-over-payload', 'the timestamp must be over the signature value, not the signed payload', 'fail', async ({ spec, chain, payload }) => ({ spec: { ...spec, timestamp: () => writeTimestampToken(Buffer.from(JSON.stringify(payload)), oldTsa.leaf, [oldTsa.root], new Date()) }, trust: { ca: [chain.root.cert], tsa: [oldTsa.root.cert] } }));
      await this.each(v, 'good-config-media-type', 'none: the OCI 1.0 signature manifest names the signature type as its config media type', 'pass', async () => ({ shape: { configType: true } }));
      await this.each(v, 'layer-media-type-other-envelope', 'the signature layer media type must name the envelope format it holds', 'fail', async () => ({ shape: { layerMediaType: MEDIA[v.format === 'jws' ? 'cose' : 'jws'] } }));
      await this.each(v, 'layer-media-type-unknown', 'the signature layer media type must be application/jose+json or application/cose', 'fail', async () => ({ shape: { layerMediaType: 'application/octet-stream' } }));
      await this.each(v, 'signature-two-layers', 'a Notation signature manifest holds exactly one envelope layer', 'fail', async ({ spec }) => ({ shape: { secondLayer: { mediaType: MEDIA[v.format], bytes: envelope(v.format, spec) } } }));
      await this.each(v, 'manifest-artifact-type-other', 'a manifest whose own artifactType is not a Notary signature is not one, whatever the referrers list declares', 'fail', async () => ({ shape: { artifactType: 'application/vnd.example.other' } }));
      await this.each(v, 'good-referrers-entry-untyped', 'none: the signature manifest names its own artifactType; the referrers list entry omits it', 'pass', async () => ({ shape: { untypedEntry: true } }));
      await this.each(v, 'signing-time-format', v.format === 'jws' ? 'io.cncf.notary.signingTime must be an RFC 3339 time' : 'io.cncf.notary.signingTime must be a tag 1 date-time', 'fail', async ({ spec }) => ({ spec: { ...spec, rawSigningTime: v.format === 'jws' ? seconds(new Date()).replace('T', ' ') : Math.floor(now / 1000) } }));
      if (v.format === 'cose') await this.each(v, 'cose-untagged', 'a COSE envelope is a tagged COSE_Sign1 (tag 18)', 'fail', async ({ spec }) => ({ spec: { ...spec, untagged: true } }));
      if (v.kind === 'rsa') await this.each(v, 'rsa-pss-long-salt', 'PS256 uses a salt as long as the hash (RFC 7518 3.5, RFC 9053 2.2.1)', 'fail', async ({ spec }) => ({ spec: { ...spec, longSalt: true } }));
      await this.each(v, 'unprotected-header-unknown', 'none: an unprotected header is not signed, and one the Notary Project does not define is ignored', 'pass', async ({ spec }) => ({ spec: { ...spec, unprotectedExtra: { 'com.example.note': 'unsigned' } } }));
      await this.each(v, 'signing-time-future', 'none: the signing time of notary.x509 is not authenticated, so a future one is only what the signer claimed', 'pass', async ({ spec }) => ({ spec: { ...spec, signingTime: future(30) } }));
      await this.each(v, 'content-type', 'the payload content type must be application/vnd.cncf.notary.payload.v1+json', 'fail', async ({ spec }) => ({ spec: { ...spec, contentType: 'application/json' } }));
      await this.each(v, 'payload-not-descriptor', 'the payload must be a Notary Project payload document, not a JSON string', 'fail', async ({ spec }) => ({ spec: { ...spec, payload: 'not a descriptor' as unknown as object } }));
      await this.each(v, 'good-audit-expired', 'none: level audit only logs an expired signature', 'pass', async ({ spec, trust }) => ({ spec: { ...spec, signingTime: past(2), expiry: past(1) }, trust: { ...trust, level: 'audit' } }));
      const certsOf = (c: Chain) => [c.leaf.cert, c.intermediate.cert, c.root.cert];
      await this.each(v, 'good-crl-not-revoked', 'none: the signing certificate is not on the CRL its distribution point serves', 'pass', async ({ spec }) => {
        const { chain, crl } = this.revocable(v, false);
        return { spec: { ...spec, chain: certsOf(chain) }, trust: { ca: [chain.root.cert], crls: [crl] } };
      });
      await this.each(v, 'revoked-leaf', 'a signing certificate on its issuer\'s CRL is revoked', 'fail', async ({ spec }) => {
        const { chain, crl } = this.revocable(v, true);
        return { spec: { ...spec, chain: certsOf(chain) }, trust: { ca: [chain.root.cert], crls: [crl] } };
      });
      await this.each(v, 'revoked-leaf-crl-not-given', 'a certificate that publishes its CRL must be shown not revoked: offline, without that CRL, its status is unknown and strict verification fails', 'fail', async ({ spec }) => {
        const { chain } = this.revocable(v, true);
        return { spec: { ...spec, chain: certsOf(chain) }, trust: { ca: [chain.root.cert] } };
      });
      await this.each(v, 'permissive-untrusted-root', 'level permissive still enforces authenticity', 'fail', async () => ({ trust: { ca: [this.chain(v).root.cert], level: 'permissive' } }));
      await this.each(v, 'audit-integrity', 'level audit still enforces integrity', 'fail', async ({ spec, trust }) => ({ spec: { ...spec, key: others[v.kind].privateKey }, trust: { ...trust, level: 'audit' } }));
      await this.each(v, 'level-skip', 'level skip checks nothing, so nothing is verified', 'fail', async ({ trust }) => ({ trust: { ...trust, level: 'skip' } }));
      await this.unsigned(v);
      await this.notationSigned(v);
      if (v.format === 'jws' && v.kind !== 'rsa') {
        await this.signetSigned(v, false);
        await this.signetSigned(v, true);
      }
    }
    return this.cases;
  }

  private async unsigned(v: Variant): Promise<void> {
    const repository = this.repository('unsigned', v.name);
    const image = await this.image(repository, 'v1');
    await this.add('unsigned', v.name, 'an image without signatures is not verified', 'fail', repository, image, { ca: [this.chain(v).root.cert] });
  }
}

/** Notary Project signatures (JWS and COSE) in the referrers tag schema, read by notation. */
export const notationCorpus: Corpus = {
  name: 'notation',
  build: (registryUrl, dir) => new NotationCases(registryUrl, dir).build(),
  peers: notationPeers,
};
