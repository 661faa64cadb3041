import { createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { effectiveStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { AuthorityView, CreateAuthority } from '../../shared/model/signing.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import { SignetError } from '../errors.ts';
import type { KeyService } from '../keys/keys.service.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { WriteQueue } from '../storage/write-queue.ts';
import { issueCertificate, issueCrl, toPem, type DistinguishedName, type IssuerAlgorithm, type RevokedEntry } from './certificate-authority.ts';

interface Leaf {
  keyId: string;
  serial: string;
  der: string;
  notAfter: string;
}

interface AuthorityState {
  name: string;
  rootKeyId: string;
  intermediateKeyId: string;
  root: string;
  intermediate: string;
  leaves: Leaf[];
  crlNumber: number;
  /** The last CRL of each level and what it lists, reused while both still hold. */
  crls?: Partial<Record<'root' | 'intermediate', { der: string; listed: string; issuedAt: string }>>;
}

const DAY = 86_400_000;
const LEAF_DAYS = 365;
const CRL_DAYS = 7;
/** The key service hashes as these issuer algorithms expect (SHA-256 for P-256, SHA-384 for P-384). */
const CA_ALGORITHMS: readonly KeyRecord['algorithm'][] = ['ecdsa-p256', 'ecdsa-p384'];

/**
 * Signet as a small certificate authority for Notation: a root and an intermediate key held by a
 * key backend (an HSM in production), code-signing leaves for signing keys, and a CRL that lists
 * the leaves of revoked keys. Private keys never leave their backend; only certificates are stored.
 */
export class AuthorityService {
  private readonly file: string;
  private readonly keys: KeyService;
  private readonly audit: AuditLog;
  private readonly now: () => Date;
  private readonly writing = new WriteQueue();

  constructor(dataDir: string, keys: KeyService, audit: AuditLog, now: () => Date = () => new Date()) {
    this.file = join(dataDir, 'authority', 'authority.json');
    this.keys = keys;
    this.audit = audit;
    this.now = now;
  }

  async view(): Promise<AuthorityView> {
    const state = await this.load();
    if (!state) return { exists: false, rootKeyId: null, intermediateKeyId: null, rootPem: null, intermediatePem: null, leaves: [] };
    const keys = await this.keys.list();
    return {
      exists: true,
      rootKeyId: state.rootKeyId,
      intermediateKeyId: state.intermediateKeyId,
      rootPem: toPem(Buffer.from(state.root, 'base64'), 'CERTIFICATE'),
      intermediatePem: toPem(Buffer.from(state.intermediate, 'base64'), 'CERTIFICATE'),
      leaves: state.leaves.map((leaf) => ({
        keyId: leaf.keyId,
        serial: leaf.serial,
        subject: new X509Certificate(Buffer.from(leaf.der, 'base64')).subject.replace(/\n/g, ', '),
        notAfter: leaf.notAfter,
        revoked: keys.find((k) => k.id === leaf.keyId)?.status === 'revoked',
      })),
    };
  }

  // Both CA keys are made on the chosen backend; the root signs itself and the intermediate, once.
  async create(input: CreateAuthority, host: HostKind): Promise<AuthorityView> {
    await this.serialise(async () => {
      if (await this.load()) throw new SignetError('Conflict', 'Signet already has a certificate authority; it is made once.');
      const now = this.now();
      const root = await this.keys.generate({ backend: input.backend, algorithm: 'ecdsa-p256', label: `${input.name} root CA` }, host);
      const intermediate = await this.keys.generate({ backend: input.backend, algorithm: 'ecdsa-p256', label: `${input.name} intermediate CA` }, host);
      const rootName: DistinguishedName = { commonName: `${input.name} Root CA`, organization: input.name };
      const intermediateName: DistinguishedName = { commonName: `${input.name} Intermediate CA`, organization: input.name };
      const rootDer = await issueCertificate(
        { serial: randomBytes(16), subject: rootName, issuer: rootName, subjectSpki: spkiOf(root), issuerSpki: spkiOf(root), issuerAlgorithm: caAlgorithm(root), notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 20 * 365 * DAY), role: 'root' },
        (tbs) => this.signAs(root.id, tbs, host),
      );
      const intermediateDer = await issueCertificate(
        { serial: randomBytes(16), subject: intermediateName, issuer: rootName, subjectSpki: spkiOf(intermediate), issuerSpki: spkiOf(root), issuerAlgorithm: caAlgorithm(root), notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 10 * 365 * DAY), role: 'intermediate' },
        (tbs) => this.signAs(root.id, tbs, host),
      );
      await this.save({ name: input.name, rootKeyId: root.id, intermediateKeyId: intermediate.id, root: rootDer.toString('base64'), intermediate: intermediateDer.toString('base64'), leaves: [], crlNumber: 0 });
      await this.audit.append({ host, action: 'ca.create', subject: intermediate.id, details: { name: input.name, rootKeyId: root.id, intermediateKeyId: intermediate.id, root: new X509Certificate(rootDer).fingerprint256 } });
    });
    return this.view();
  }

  // The chain a Notation signature carries, leaf first; a leaf is issued the first time a key signs, and again when it nears its end.
  async chainFor(key: KeyRecord, host: HostKind): Promise<X509Certificate[]> {
    return this.serialise(async () => {
      const state = await this.require();
      const now = this.now();
      let leaf = state.leaves.find((l) => l.keyId === key.id && Date.parse(l.notAfter) > now.getTime() + DAY);
      if (!leaf) {
        const intermediate = new X509Certificate(Buffer.from(state.intermediate, 'base64'));
        const intermediateKey = await this.keys.get(state.intermediateKeyId);
        const ends = Math.min(now.getTime() + LEAF_DAYS * DAY, Date.parse(intermediate.validTo), key.notAfter ? Date.parse(key.notAfter) : Infinity);
        const serial = randomBytes(16);
        serial[0] = serial[0]! & 0x7f;
        const der = await issueCertificate(
          {
            serial,
            subject: { commonName: key.label, organization: state.name },
            issuer: { commonName: `${state.name} Intermediate CA`, organization: state.name },
            subjectSpki: spkiOf(key),
            issuerSpki: spkiOf(intermediateKey),
            issuerAlgorithm: caAlgorithm(intermediateKey),
            notBefore: new Date(now.getTime() - 60_000),
            notAfter: new Date(ends),
            role: 'code-signing',
          },
          (tbs) => this.signAs(intermediateKey.id, tbs, host),
        );
        leaf = { keyId: key.id, serial: serial.toString('hex'), der: der.toString('base64'), notAfter: new Date(ends).toISOString() };
        state.leaves.push(leaf);
        await this.save(state);
        await this.audit.append({ host, action: 'ca.issue', subject: key.id, details: { serial: leaf.serial, subject: `CN=${key.label}, O=${state.name}`, notAfter: leaf.notAfter, fingerprint: key.fingerprint } });
      }
      return [leaf.der, state.intermediate, state.root].map((b64) => new X509Certificate(Buffer.from(b64, 'base64')));
    });
  }

  // The intermediate's CRL lists the leaves of revoked keys; it is re-signed when that list changes, and daily.
  async crl(host: HostKind): Promise<Buffer | null> {
    return this.serialise(async () => {
      const state = await this.load();
      if (!state) return null;
      const keys = await this.keys.list();
      const revoked = state.leaves.flatMap((leaf) => {
        const key = keys.find((k) => k.id === leaf.keyId);
        return key?.revocation ? [{ serial: Buffer.from(leaf.serial, 'hex'), revokedAt: new Date(key.revocation.revokedAt), invalidSince: new Date(key.revocation.invalidSince), reason: key.revocation.reason }] : [];
      });
      return this.currentCrl(state, 'intermediate', revoked, host);
    });
  }

  // What verification trusts: the root, and the CRLs of both CA levels (the root's lists no one: the intermediate is never revoked here).
  async trust(host: HostKind): Promise<{ roots: X509Certificate[]; crls: Buffer[] }> {
    const state = await this.load();
    if (!state) return { roots: [], crls: [] };
    const intermediate = await this.crl(host);
    const root = await this.serialise(async () => this.currentCrl((await this.load())!, 'root', [], host));
    return { roots: [new X509Certificate(Buffer.from(state.root, 'base64'))], crls: [intermediate!, root] };
  }

  private async currentCrl(state: AuthorityState, level: 'root' | 'intermediate', revoked: RevokedEntry[], host: HostKind): Promise<Buffer> {
    const now = this.now();
    const listed = revoked.map((r) => `${r.serial.toString('hex')}/${r.reason}/${r.revokedAt.toISOString()}/${r.invalidSince?.toISOString()}`).sort().join(',');
    const last = state.crls?.[level];
    if (last && last.listed === listed && Date.parse(last.issuedAt) + DAY > now.getTime()) return Buffer.from(last.der, 'base64');
    const signer = await this.keys.get(level === 'root' ? state.rootKeyId : state.intermediateKeyId);
    const name = level === 'root' ? `${state.name} Root CA` : `${state.name} Intermediate CA`;
    state.crlNumber++;
    const der = await issueCrl(
      { issuer: { commonName: name, organization: state.name }, issuerSpki: spkiOf(signer), issuerAlgorithm: caAlgorithm(signer), crlNumber: BigInt(state.crlNumber), thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: new Date(now.getTime() + CRL_DAYS * DAY), revoked },
      (tbs) => this.signAs(signer.id, tbs, host),
    );
    state.crls = { ...state.crls, [level]: { der: der.toString('base64'), listed, issuedAt: now.toISOString() } };
    await this.save(state);
    await this.audit.append({ host, action: 'ca.crl', subject: signer.id, details: { level, number: state.crlNumber, revoked: revoked.length } });
    return der;
  }

  private async signAs(keyId: string, tbs: Buffer, host: HostKind): Promise<Buffer> {
    const key = await this.keys.get(keyId);
    if (effectiveStatus(key, this.now()) !== 'active') throw new SignetError('Forbidden', `The authority key "${key.label}" is ${effectiveStatus(key, this.now())}; it can no longer issue.`);
    return (await this.keys.sign(keyId, { payload: tbs }, host)).signature;
  }

  private async require(): Promise<AuthorityState> {
    const state = await this.load();
    if (!state) throw new SignetError('NotFound', "Notation signatures need Signet's certificate authority; create it first (Sign screen, or `signet authority create`).");
    return state;
  }

  private async load(): Promise<AuthorityState | null> {
    const text = await readFileIfExists(this.file);
    if (text === null) return null;
    try {
      return JSON.parse(text) as AuthorityState;
    } catch {
      throw new SignetError('Internal', `${this.file} is damaged; the certificate authority cannot be read.`);
    }
  }

  private async save(state: AuthorityState): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    return this.writing.run(work);
  }
}

function spkiOf(key: KeyRecord): Buffer {
  return createPublicKey(key.publicKeyPem).export({ format: 'der', type: 'spki' });
}

function caAlgorithm(key: KeyRecord): IssuerAlgorithm {
  if (!CA_ALGORITHMS.includes(key.algorithm)) throw new SignetError('BadInput', `A certificate authority key must be ECDSA P-256 or P-384, not ${key.algorithm}.`);
  return key.algorithm as IssuerAlgorithm;
}
