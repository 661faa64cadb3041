// Notation trust policy documents (version 1.0) read and applied the way notation-go does: one statement per
// artifact, exact registry scope before the wildcard, and per-check actions derived from the level and its overrides.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { SignetError } from '../errors.ts';
import { certificateParts, decodeOid, derStrictChildren, derStrictItem } from '../encoding/der.ts';
import { certificateName } from './x509-path.ts';
import type { NotationTrust, VerificationLevel } from './notation.verifier.ts';

export type NotationCheckType = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type NotationAction = 'enforce' | 'log' | 'skip';
/** Per-check actions a statement's `override` may set; integrity is fixed and only revocation may be skipped. */
export interface NotationOverride {
  authenticity?: 'enforce' | 'log';
  authenticTimestamp?: 'enforce' | 'log';
  expiry?: 'enforce' | 'log';
  revocation?: NotationAction;
}
export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

export interface ResolvedNotationPolicy {
  /** The statement that applies. */
  name: string;
  level: VerificationLevel;
  /** What each check does on failure once the overrides are applied. */
  actions: Record<NotationCheckType, NotationAction>;
  override: NotationOverride;
  /** Named trust stores by type, in the order the statement lists them. */
  trustStores: Record<TrustStoreType, string[]>;
  trustedIdentities: string[];
  verifyTimestamp: 'always' | 'afterCertExpiry';
  /** The digest part of the artifact reference. */
  artifactDigest: string;
}

/** Where notation looks, in order: the current name, then the legacy one. */
export const NOTATION_POLICY_FILES = ['trustpolicy.oci.json', 'trustpolicy.json'] as const;

/** Notation's verification levels: what each check does on failure. */
export const NOTATION_LEVEL_ACTIONS: Record<VerificationLevel, Readonly<Record<NotationCheckType, NotationAction>>> = {
  strict: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
  permissive: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  audit: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  skip: { integrity: 'skip', authenticity: 'skip', authenticTimestamp: 'skip', expiry: 'skip', revocation: 'skip' },
};

// The actions a level gives, with a caller's overrides applied on top (integrity never changes).
export function notationActions(level: VerificationLevel, override: NotationOverride = {}): Record<NotationCheckType, NotationAction> {
  const actions = { ...NOTATION_LEVEL_ACTIONS[level] };
  if (level === 'skip') return actions;
  for (const type of ['authenticity', 'authenticTimestamp', 'expiry', 'revocation'] as const) {
    const action = override[type];
    if (action === 'enforce' || action === 'log' || (action === 'skip' && type === 'revocation')) actions[type] = action;
  }
  return actions;
}

const CHECK_TYPES: NotationCheckType[] = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'];

export const NotationTrustPolicyStatementSchema = z.object({
  name: z.string({ error: 'a statement needs a name' }),
  registryScopes: z.array(z.string()),
  signatureVerification: z.object({
    level: z.string({ error: 'the signature verification level is missing' }),
    override: z.record(z.string(), z.string()).optional(),
    verifyTimestamp: z.string().optional(),
  }),
  trustStores: z.array(z.string()).optional(),
  trustedIdentities: z.array(z.string()).optional(),
});

export const NotationTrustPolicyDocumentSchema = z.object({
  version: z.string({ error: 'the document has no version' }),
  trustPolicies: z.array(NotationTrustPolicyStatementSchema),
});

type Statement = z.infer<typeof NotationTrustPolicyStatementSchema>;

const bad = (message: string) => new SignetError('BadInput', `Notation trust policy: ${message}`);

const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?(?:(?:\/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$/;

function checkScope(scope: string): void {
  if (scope.length > 1 && scope.includes('*')) throw bad(`registry scope "${scope}" with a wildcard is not valid; give a fully qualified repository such as domain.com/my/repository.`);
  const slash = scope.indexOf('/');
  const domain = slash < 0 ? '' : scope.slice(0, slash);
  const repository = slash < 0 ? '' : scope.slice(slash + 1);
  if (!DOMAIN.test(domain) || !REPOSITORY.test(repository)) throw bad(`registry scope "${scope}" is not valid; give a fully qualified repository without scheme or tag, such as domain.com/my/repository.`);
}

const DN_NAMES: Record<string, string> = { '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN', '2.5.4.5': 'SERIALNUMBER', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.17': 'POSTALCODE' };
const MANDATORY = ['C', 'ST', 'O'];

function addAttribute(map: Map<string, string>, type: string, value: string, dn: string): void {
  const key = type === 'S' ? 'ST' : type;
  if (map.has(key)) throw new Error(`the distinguished name "${dn}" repeats ${key}; each attribute may appear once`);
  map.set(key, value);
}

function requireMandatory(map: Map<string, string>, dn: string): Map<string, string> {
  const missing = MANDATORY.filter((key) => !map.get(key));
  if (missing.length) throw new Error(`the distinguished name "${dn}" lacks ${missing.join(', ')}; it must contain C, ST (or S) and O at a minimum`);
  return map;
}

/** Parses an RFC 4514 distinguished name under the Notary Project's rules: single-valued, unique attributes, with C, ST and O. */
export function parseDistinguishedName(text: string): Map<string, string> {
  if (text.includes('=#')) throw new Error(`the distinguished name "${text}" uses a hex-encoded value ("=#"), which Notation does not support`);
  const map = new Map<string, string>();
  let type = '';
  let bytes: number[] = [];
  let inValue = false;
  let trailingSpaces = 0;
  const finish = () => {
    if (!inValue || type.trim() === '') throw new Error(`the distinguished name "${text}" is not in RFC 4514 form`);
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    addAttribute(map, type.trim(), value, text);
    type = '';
    bytes = [];
    inValue = false;
    trailingSpaces = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (!inValue) {
      if (ch === '=') inValue = true;
      else if (ch === ',' || ch === '+' || ch === '\\') throw new Error(`the distinguished name "${text}" is not in RFC 4514 form`);
      else type += ch;
      continue;
    }
    if (ch === '\\') {
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < text.length) {
        bytes.push(...Buffer.from(text[++i]!, 'utf8'));
      } else throw new Error(`the distinguished name "${text}" ends in an escape`);
      trailingSpaces = 0;
    } else if (ch === '+') {
      throw new Error(`the distinguished name "${text}" has a multi-valued RDN, which Notation does not support`);
    } else if (ch === ',') {
      finish();
    } else if (ch === ' ' && bytes.length === 0) {
      continue;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
      trailingSpaces = ch === ' ' ? trailingSpaces + 1 : 0;
    }
  }
  finish();
  return requireMandatory(map, text);
}

function nameValue(tag: number, content: Buffer): string {
  if (tag === 0x0c || tag === 0x13 || tag === 0x16 || tag === 0x12) return content.toString('utf8');
  if (tag === 0x14) return content.toString('latin1');
  if (tag === 0x1e) return Buffer.from(content).swap16().toString('utf16le');
  throw new Error(`a name value has an unsupported string type 0x${tag.toString(16)}`);
}

/** The certificate's subject as Notation sees it; attributes outside Go's short names make it unmatchable, as in Notation. */
export function certificateSubject(cert: X509Certificate): Map<string, string> {
  const subject = certificateParts(cert.raw).subjectDer;
  const text = certificateName(cert);
  const map = new Map<string, string>();
  for (const rdn of derStrictChildren(derStrictItem(subject))) {
    const attributes = derStrictChildren(rdn);
    if (attributes.length !== 1) throw new Error(`the certificate subject "${text}" has a multi-valued RDN, which Notation does not support`);
    const [oid, value] = derStrictChildren(attributes[0]!);
    if (oid?.tag !== 0x06 || !value) throw new Error(`the certificate subject "${text}" is malformed`);
    const dotted = decodeOid(oid.content);
    const name = DN_NAMES[dotted];
    if (!name) throw new Error(`the certificate subject "${text}" has the attribute ${dotted}, which Notation cannot compare`);
    addAttribute(map, name, nameValue(value.tag, value.content), text);
  }
  return requireMandatory(map, text);
}

// notation-go's trusted identity rule: an x509.subject identity matches when each of its attributes is in the leaf's subject with the same value.
export function matchTrustedIdentity(leaf: X509Certificate, identities: string[]): { ok: boolean; reason: string } {
  const subject = `"${certificateName(leaf)}"`;
  if (identities.includes('*')) return { ok: true, reason: `Any identity is trusted, so ${subject} is accepted.` };
  const wanted: Map<string, string>[] = [];
  try {
    for (const identity of identities) {
      const colon = identity.indexOf(':');
      if (colon < 0) return { ok: false, reason: `The trusted identity "${identity}" has no "type:" prefix.` };
      if (identity.slice(0, colon) === 'x509.subject') wanted.push(parseDistinguishedName(identity.slice(colon + 1)));
    }
  } catch (error) {
    return { ok: false, reason: `A trusted identity cannot be read: ${(error as Error).message}.` };
  }
  if (wanted.length === 0) return { ok: false, reason: 'No x509.subject trusted identity is configured, so no signer can be accepted.' };
  let own: Map<string, string>;
  try {
    own = certificateSubject(leaf);
  } catch (error) {
    return { ok: false, reason: `The signing certificate's subject cannot be compared: ${(error as Error).message}.` };
  }
  const matched = wanted.some((dn) => [...dn].every(([key, value]) => own.get(key) === value));
  return matched ? { ok: true, reason: `${subject} is a trusted identity.` } : { ok: false, reason: `${subject} is not among the trusted identities.` };
}

function actionsFor(name: string, verification: Statement['signatureVerification']): { level: VerificationLevel; actions: Record<NotationCheckType, NotationAction>; override: NotationOverride } {
  const level = verification.level as VerificationLevel;
  if (!(level in NOTATION_LEVEL_ACTIONS)) throw bad(`statement "${name}" has the verification level "${verification.level}"; use strict, permissive, audit or skip.`);
  const actions = { ...NOTATION_LEVEL_ACTIONS[level] };
  const override: NotationOverride = {};
  const entries = Object.entries(verification.override ?? {});
  if (entries.length && level === 'skip') throw bad(`statement "${name}" uses the level skip, which cannot be customised with override.`);
  for (const [type, action] of entries) {
    if (!CHECK_TYPES.includes(type as NotationCheckType)) throw bad(`statement "${name}" overrides "${type}", which is not one of ${CHECK_TYPES.join(', ')}.`);
    if (!['enforce', 'log', 'skip'].includes(action)) throw bad(`statement "${name}" sets "${type}" to "${action}"; use enforce, log or skip.`);
    if (type === 'integrity') throw bad(`statement "${name}" overrides integrity, which cannot be changed.`);
    if (type !== 'revocation' && action === 'skip') throw bad(`statement "${name}" skips ${type}; only revocation can be skipped.`);
    actions[type as NotationCheckType] = action as NotationAction;
    (override as Record<string, NotationAction>)[type] = action as NotationAction;
  }
  return { level, actions, override };
}

function checkIdentities(name: string, identities: string[]): void {
  if (identities.length > 1 && identities.includes('*')) throw bad(`statement "${name}" combines the wildcard trusted identity "*" with other values.`);
  const parsed: { raw: string; dn: Map<string, string> }[] = [];
  for (const identity of identities) {
    if (identity === '') throw bad(`statement "${name}" has an empty trusted identity.`);
    if (identity === '*') continue;
    const colon = identity.indexOf(':');
    if (colon < 0) throw bad(`statement "${name}" has the trusted identity "${identity}" without a "type:" prefix.`);
    if (identity.slice(0, colon) !== 'x509.subject') continue;
    const value = identity.slice(colon + 1);
    if (value === '') throw bad(`statement "${name}" has the trusted identity "${identity}" without a value.`);
    try {
      parsed.push({ raw: identity, dn: parseDistinguishedName(value) });
    } catch (error) {
      throw bad(`statement "${name}" has the trusted identity "${identity}": ${(error as Error).message}.`);
    }
  }
  for (const a of parsed) {
    for (const b of parsed) {
      if (a !== b && [...a.dn].every(([key, value]) => b.dn.get(key) === value)) throw bad(`statement "${name}" has overlapping trusted identities: "${a.raw}" overlaps with "${b.raw}".`);
    }
  }
}

function checkStores(name: string, stores: string[]): Record<TrustStoreType, string[]> {
  const result: Record<TrustStoreType, string[]> = { ca: [], signingAuthority: [], tsa: [] };
  for (const store of stores) {
    const colon = store.indexOf(':');
    if (colon < 0) throw bad(`statement "${name}" has the trust store "${store}"; the format is <type>:<name>.`);
    const type = store.slice(0, colon);
    const storeName = store.slice(colon + 1);
    if (type !== 'ca' && type !== 'signingAuthority' && type !== 'tsa') throw bad(`statement "${name}" uses the trust store type "${type}"; use ca, signingAuthority or tsa.`);
    if (!/^[a-zA-Z0-9_.-]+$/.test(storeName)) throw bad(`statement "${name}" uses the trust store name "${storeName}", which must match [a-zA-Z0-9_.-]+.`);
    if (!result[type].includes(storeName)) result[type].push(storeName);
  }
  return result;
}

/**
 * Validates a trust policy document as notation-go does and returns the settings of the one statement that applies
 * to the artifact (registry/repository@digest): its exact registry scope, else the `*` statement. Any invalid field
 * throws a BadInput error naming it.
 */
export function resolveNotationPolicy(document: unknown, artifactReference: string): ResolvedNotationPolicy {
  const parsed = NotationTrustPolicyDocumentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(`${issue.path.length ? issue.path.map(String).join('.') : '(document)'}: ${issue.message}`);
  }
  const doc = parsed.data;
  if (doc.version !== '1.0') throw bad(`version "${doc.version}" is not supported; only 1.0 is.`);
  if (doc.trustPolicies.length === 0) throw bad('the document has no trust policy statements.');
  const names = new Set<string>();
  const scopes = new Map<string, string>();
  for (const statement of doc.trustPolicies) {
    if (statement.name === '') throw bad('a statement has an empty name; every statement needs one.');
    if (names.has(statement.name)) throw bad(`more than one statement is named "${statement.name}"; names must be unique.`);
    names.add(statement.name);
    const { level } = actionsFor(statement.name, statement.signatureVerification);
    const verifyTimestamp = statement.signatureVerification.verifyTimestamp;
    if (verifyTimestamp !== undefined && verifyTimestamp !== '' && verifyTimestamp !== 'always' && verifyTimestamp !== 'afterCertExpiry') throw bad(`statement "${statement.name}" sets verifyTimestamp to "${verifyTimestamp}"; use always or afterCertExpiry.`);
    const stores = statement.trustStores ?? [];
    const identities = statement.trustedIdentities ?? [];
    if (level === 'skip') {
      if (stores.length || identities.length) throw bad(`statement "${statement.name}" skips verification but lists trust stores or trusted identities; remove them.`);
    } else {
      if (!stores.length || !identities.length) throw bad(`statement "${statement.name}" needs both trust stores and trusted identities.`);
      checkStores(statement.name, stores);
      checkIdentities(statement.name, identities);
    }
    if (statement.registryScopes.length === 0) throw bad(`statement "${statement.name}" has no registry scopes.`);
    if (statement.registryScopes.length > 1 && statement.registryScopes.includes('*')) throw bad(`statement "${statement.name}" combines the wildcard scope "*" with other scopes.`);
    for (const scope of statement.registryScopes) {
      if (scope !== '*') checkScope(scope);
      const other = scopes.get(scope);
      if (other !== undefined) throw bad(`the registry scope "${scope}" is in more than one statement ("${other}" and "${statement.name}"); a scope may belong to one statement only.`);
      scopes.set(scope, statement.name);
    }
  }

  const at = artifactReference.lastIndexOf('@');
  if (at < 0) throw bad(`the artifact "${artifactReference}" is not a fully qualified reference with a digest, such as domain.com/my/repository@sha256:...`);
  const repository = artifactReference.slice(0, at);
  checkScope(repository);
  const statement = doc.trustPolicies.find((s) => s.registryScopes.includes(repository)) ?? doc.trustPolicies.find((s) => s.registryScopes.includes('*'));
  if (!statement) throw bad(`no statement applies to "${artifactReference}": no registry scope names ${repository} and there is no "*" statement.`);
  const { level, actions, override } = actionsFor(statement.name, statement.signatureVerification);
  return {
    name: statement.name,
    level,
    actions,
    override,
    trustStores: checkStores(statement.name, statement.trustStores ?? []),
    trustedIdentities: [...(statement.trustedIdentities ?? [])],
    verifyTimestamp: statement.signatureVerification.verifyTimestamp === 'afterCertExpiry' ? 'afterCertExpiry' : 'always',
    artifactDigest: artifactReference.slice(at + 1),
  };
}

// The resolved statement as the verifier's settings, with the certificates of each named store supplied by the caller.
export function notationTrustFromPolicy(policy: ResolvedNotationPolicy, storeCertificates: (type: TrustStoreType, name: string) => X509Certificate[], crls?: Buffer[]): NotationTrust {
  const load = (type: TrustStoreType) => policy.trustStores[type].flatMap((name) => storeCertificates(type, name));
  return {
    ca: load('ca'),
    signingAuthority: load('signingAuthority'),
    tsa: load('tsa'),
    tsaConfigured: policy.trustStores.tsa.length > 0,
    trustedIdentities: policy.trustedIdentities,
    level: policy.level,
    override: policy.override,
    verifyTimestamp: policy.verifyTimestamp,
    ...(crls ? { crls } : {}),
  };
}

// Notation reads trustpolicy.oci.json, falling back to the legacy trustpolicy.json; neither may be a symlink or folder.
export async function readNotationPolicyDocument(configDirectory: string): Promise<{ file: string; document: unknown }> {
  for (const name of NOTATION_POLICY_FILES) {
    const file = join(configDirectory, name);
    const info = await lstat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!info) continue;
    if (!info.isFile()) throw bad(`${file} is not a regular file (symlinks are not accepted).`);
    try {
      return { file, document: JSON.parse(await readFile(file, 'utf8')) as unknown };
    } catch (error) {
      throw bad(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  throw bad(`no trust policy in ${configDirectory} (looked for ${NOTATION_POLICY_FILES.join(' and ')}).`);
}
