// Notation cases: the envelope (with a timestamp token placed in it when the case gives one), trust stores as folders,
// the trust policy read by Signet's own notation-trust-policy functions, and the result at each verification level named.
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { resolveNotationPolicy, notationTrustFromPolicy, type TrustStoreType } from '../../main/signatures/notation-trust-policy.ts';
import { verifyNotationEnvelope, type NotationTrust } from '../../main/signatures/notation.verifier.ts';
import { CaseError, checkObject, NOTATION_POLICY_FIELDS, optionalText, parseExpected, textList, verificationTime, type Case, type Level, type Outcome } from './case-format.ts';
import { tokenBytes, withTimestampToken } from './timestamp-token.ts';

const STORE_TYPES: TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];

// A Notation trust store folder as notation-go reads it: regular files only, each holding PEM or DER certificates,
// every one a CA or self-signed; anything else makes the store unusable rather than silently smaller.
export async function readTrustStore(folder: string): Promise<X509Certificate[]> {
  const certificates: X509Certificate[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!entry.isFile()) throw new CaseError(`the trust store ${folder} holds ${entry.name}, which is not a regular file`);
    const bytes = await readFile(join(folder, entry.name));
    const pems = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    let found: X509Certificate[];
    try {
      found = pems ? pems.map((pem) => new X509Certificate(pem)) : [new X509Certificate(bytes)];
    } catch (error) {
      throw new CaseError(`the trust store file ${entry.name} in ${folder} is not a certificate: ${(error as Error).message}`);
    }
    for (const cert of found) {
      if (!cert.ca && !(cert.subject === cert.issuer && cert.verify(cert.publicKey))) throw new CaseError(`the trust store file ${entry.name} holds "${cert.subject.replace(/\n/g, ', ')}", which is neither a CA nor self-signed`);
    }
    certificates.push(...found);
  }
  return certificates;
}

interface Store {
  type: TrustStoreType;
  path: string;
}

function stores(value: unknown): Store[] {
  return textList(value, 'policy.trust_stores').map((entry) => {
    const colon = entry.indexOf(':');
    const type = entry.slice(0, colon) as TrustStoreType;
    if (colon < 0 || !STORE_TYPES.includes(type) || entry.slice(colon + 1) === '') throw new CaseError(`policy.trust_stores entry ${JSON.stringify(entry)} is not TYPE:PATH with TYPE ${STORE_TYPES.join(', ')}`);
    return { type, path: entry.slice(colon + 1) };
  });
}

// `trust_policy` is a path, optionally followed by a remark in brackets ("trustpolicy.oci.json (reconstructed)").
function policyPath(text: string): string {
  const match = /^(\S+)(?:\s+\([^)]*\))?$/.exec(text);
  if (!match) throw new CaseError(`policy.trust_policy ${JSON.stringify(text)} is not a path with an optional (remark)`);
  return match[1]!;
}

async function notationTrust(c: Case, data: (path: string) => string): Promise<{ trust: NotationTrust; artifactDigest?: string }> {
  const policy = checkObject(c.policy ?? {}, 'policy', NOTATION_POLICY_FIELDS);
  const listed = stores(policy.trust_stores);
  const certificates = new Map<string, X509Certificate[]>();
  for (const store of listed) certificates.set(`${store.type}:${store.path}`, await readTrustStore(data(store.path)));
  const reference = optionalText(policy.artifact_reference, 'policy.artifact_reference');
  if (reference !== undefined && !/@[a-z0-9]+:[0-9a-f]+$/.test(reference)) throw new CaseError(`policy.artifact_reference ${reference} has no @ALGORITHM:HEX digest`);
  const verifyTimestamp = optionalText(policy.verifyTimestamp, 'policy.verifyTimestamp');
  if (verifyTimestamp !== undefined && verifyTimestamp !== 'always' && verifyTimestamp !== 'afterCertExpiry') throw new CaseError(`policy.verifyTimestamp ${verifyTimestamp} is not always or afterCertExpiry`);
  const identities = policy.trusted_identities === undefined ? undefined : textList(policy.trusted_identities, 'policy.trusted_identities');
  const artifactDigest = reference?.slice(reference.lastIndexOf('@') + 1);
  const trustPolicy = optionalText(policy.trust_policy, 'policy.trust_policy');
  if (trustPolicy === undefined) {
    const load = (type: TrustStoreType) => listed.filter((s) => s.type === type).flatMap((s) => certificates.get(`${type}:${s.path}`)!);
    const trust: NotationTrust = { ca: load('ca'), signingAuthority: load('signingAuthority'), tsa: load('tsa'), tsaConfigured: listed.some((s) => s.type === 'tsa'), trustedIdentities: identities ?? [], level: 'strict', ...(verifyTimestamp ? { verifyTimestamp } : {}) };
    return { trust, ...(artifactDigest ? { artifactDigest } : {}) };
  }
  if (reference === undefined) throw new CaseError('policy.trust_policy needs policy.artifact_reference to pick the statement');
  let document: unknown;
  try {
    document = JSON.parse(await readFile(data(policyPath(trustPolicy)), 'utf8'));
  } catch (error) {
    throw new CaseError(`policy.trust_policy cannot be read: ${(error as Error).message}`);
  }
  let resolved;
  try {
    resolved = resolveNotationPolicy(document, reference);
  } catch (error) {
    throw new CaseError(`policy.trust_policy: ${(error as Error).message}`);
  }
  // The statement names stores; the case says which folder each name is, by the folder's last path component.
  const trust = notationTrustFromPolicy(resolved, (type, name) => {
    const store = listed.find((s) => s.type === type && basename(s.path) === name);
    if (!store) throw new CaseError(`the trust policy names the ${type} store ${name}, and policy.trust_stores lists no ${type} folder of that name`);
    return certificates.get(`${type}:${store.path}`)!;
  });
  if (identities) trust.trustedIdentities = identities;
  if (verifyTimestamp) trust.verifyTimestamp = verifyTimestamp;
  return { trust, artifactDigest: resolved.artifactDigest };
}

export interface NotationOutcome {
  ok: boolean;
  got: string;
  detail: string;
}

// The outcome at one level: verified with nothing logged is pass, verified with a logged failure is logged, else fail.
function outcomeOf(result: ReturnType<typeof verifyNotationEnvelope>): Outcome {
  if (result.verdict !== 'verified') return 'fail';
  return result.checks.some((check) => check.logged) ? 'logged' : 'pass';
}

export async function notationCase(c: Case, data: (path: string) => string): Promise<NotationOutcome> {
  const expected = parseExpected(c.expected, true);
  const envelopePath = optionalText(c.envelope, 'envelope');
  if (envelopePath === undefined) throw new CaseError('envelope is missing');
  let envelope: Buffer = await readFile(data(envelopePath));
  const tokenPath = optionalText(c.timestamp_token, 'timestamp_token');
  if (tokenPath !== undefined) envelope = withTimestampToken(envelope, tokenBytes(await readFile(data(tokenPath))));
  const { trust, artifactDigest } = await notationTrust(c, data);
  const now = verificationTime(c);
  const run = (level: Level) => verifyNotationEnvelope(envelope, { ...trust, level }, { ...(artifactDigest ? { artifactDigest } : {}), ...(now ? { now } : {}) });
  if (expected.kind === 'plain') {
    const result = run(trust.level);
    const got = result.verdict === 'verified' ? 'pass' : 'fail';
    return { ok: got === expected.outcome, got, detail: `${trust.level}: ${result.reason}` };
  }
  const parts: string[] = [];
  let ok = true;
  for (const [level, want] of expected.levels) {
    const result = run(level);
    const got = outcomeOf(result);
    if (got !== want) ok = false;
    parts.push(`${level} expected ${want}, got ${got}: ${result.reason}`);
  }
  return { ok, got: ok ? 'as expected' : 'different', detail: parts.join('; ') };
}
