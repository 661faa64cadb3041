// The acceptance case format (the fixture folder's README, "Case format"): which fields each kind may carry, how
// `expected` reads, and the checks that turn a field this runner does not know, or cannot read, into a failing case.

export interface Case {
  id: string;
  kind: string;
  expected: string;
  [field: string]: unknown;
}

/** A case that cannot be run as written: the runner reports it as FAIL with this reason, never as a pass. */
export class CaseError extends Error {}

export const KINDS = {
  bundle: 'sigstore-bundle',
  ociAttestation: 'oci-image-attestation (sigstore bundle v0.3 via OCI referrers)',
  cosign: 'cosign image signature (simple-signing payload + annotations)',
  notationJws: 'notation JWS envelope (application/jose+json)',
  notationTimestamp: 'notation envelope + RFC3161 timestamp countersignature',
  tuf: 'TUF metadata',
} as const;

const COMMON = ['id', 'set', 'kind', 'expected', 'why', 'network', 'visibility', 'at'];
const BUNDLE = ['bundle', 'artifact', 'artifact_text', 'artifact_digest', 'artifact_modes', 'trusted_root', 'policy'];
const FIELDS: Record<string, string[]> = {
  [KINDS.bundle]: BUNDLE,
  [KINDS.ociAttestation]: [...BUNDLE, 'image_digest'],
  [KINDS.cosign]: ['image_dir', 'signature', 'derived_from', 'image_reference', 'identity_rule', 'trust'],
  [KINDS.notationJws]: ['envelope', 'timestamp_token', 'policy'],
  [KINDS.notationTimestamp]: ['envelope', 'timestamp_token', 'policy'],
  [KINDS.tuf]: ['files'],
};

export const BUNDLE_POLICY_FIELDS = ['certificate_identity', 'certificate_oidc_issuer', 'certificate_identity_regexp', 'certificate_oidc_issuer_regexp', 'key', 'key_valid_for', 'skip_identity'];
export const COSIGN_TRUST_FIELDS = ['key', 'keys', 'rekor_public_key', 'fulcio_ca', 'oidc_issuer', 'subject_email', 'ca_roots', 'ca_intermediates', 'subject_hostname'];
export const NOTATION_POLICY_FIELDS = ['trust_stores', 'trust_policy', 'artifact_reference', 'trusted_identities', 'verifyTimestamp'];

// A `something_note` field is a human remark beside the field it names (the fixture set uses trusted_root_note,
// artifact_note, network_note); it changes nothing, so it is allowed only as text and only beside a known field.
function isNote(field: string, known: string[]): boolean {
  return field.endsWith('_note') && known.includes(field.slice(0, -'_note'.length));
}

// Every field of the case must be one its kind defines; a field the runner would ignore fails the case instead.
export function checkFields(c: Record<string, unknown>): void {
  if (typeof c.id !== 'string' || c.id === '') throw new CaseError('the case has no id');
  if (typeof c.kind !== 'string') throw new CaseError('the case has no kind');
  const own = FIELDS[c.kind];
  if (!own) throw new CaseError(`unknown kind ${JSON.stringify(c.kind)}: the runner has no verifier for it`);
  if (typeof c.expected !== 'string') throw new CaseError('the case has no expected result');
  const known = [...COMMON, ...own];
  for (const [field, value] of Object.entries(c)) {
    if (isNote(field, known)) {
      if (value !== null && typeof value !== 'string') throw new CaseError(`the field ${field} is not text`);
      continue;
    }
    if (!known.includes(field)) throw new CaseError(`unknown field ${JSON.stringify(field)} for kind ${c.kind}`);
  }
  for (const field of ['set', 'why', 'visibility']) {
    if (c[field] !== undefined && typeof c[field] !== 'string') throw new CaseError(`the field ${field} is not text`);
  }
  if (c.network !== undefined && c.network !== false) {
    if (c.network === true) throw new CaseError('network: true: the case needs the network, and every case must run offline');
    throw new CaseError(`network is ${JSON.stringify(c.network)}, not true or false`);
  }
}

// A nested object (policy, trust, derived_from, files) must hold only the fields the format defines for it.
export function checkObject(value: unknown, where: string, fields: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CaseError(`${where} is not an object`);
  for (const field of Object.keys(value)) {
    if (!fields.includes(field)) throw new CaseError(`unknown ${where} field ${JSON.stringify(field)}`);
  }
  return value as Record<string, unknown>;
}

// A field that is absent or null reads as undefined; anything else must be text.
export function optionalText(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new CaseError(`${where} is not a non-empty string: ${JSON.stringify(value)}`);
  return value;
}

export function requiredText(value: unknown, where: string): string {
  const text = optionalText(value, where);
  if (text === undefined) throw new CaseError(`${where} is missing`);
  return text;
}

// One string or a non-empty list of strings, as `keys`, `signature` and `trusted_identities` may be given.
export function textList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new CaseError(`${where} is an empty list`);
  return list.map((item, i) => requiredText(item, Array.isArray(value) ? `${where}[${i}]` : where));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// `at`: the verification time, RFC 3339.
export function verificationTime(c: Case): Date | undefined {
  const at = optionalText(c.at, 'at');
  if (at === undefined) return undefined;
  if (!RFC3339.test(at) || Number.isNaN(Date.parse(at))) throw new CaseError(`at ${JSON.stringify(at)} is not an RFC 3339 time`);
  return new Date(at);
}

export type Outcome = 'pass' | 'fail' | 'logged';
export type Level = 'strict' | 'permissive' | 'audit' | 'skip';
const LEVELS: Level[] = ['strict', 'permissive', 'audit', 'skip'];

/** `expected` read: one outcome (with the note in brackets, if any), or for Notation one outcome per level named. */
export type Expected = { kind: 'plain'; outcome: 'pass' | 'fail'; note: string | null } | { kind: 'levels'; levels: Map<Level, Outcome> };

// "pass", "fail", "pass (a note)", or for Notation "fail (strict) / logged (permissive, audit)"; anything else fails the case.
export function parseExpected(expected: string, notation: boolean): Expected {
  const text = expected.trim();
  const plain = /^(pass|fail)(?:\s*\(([^()]+)\))?$/.exec(text);
  const bracketLevels = (inner: string | undefined) => inner !== undefined && inner.split(',').every((w) => LEVELS.includes(w.trim() as Level));
  if (plain && !(notation && bracketLevels(plain[2]))) return { kind: 'plain', outcome: plain[1] as 'pass' | 'fail', note: plain[2]?.trim() ?? null };
  if (!notation) throw new CaseError(`cannot read expected ${JSON.stringify(expected)}: only "pass" or "fail", with an optional note in brackets`);
  const levels = new Map<Level, Outcome>();
  for (const part of text.split('/')) {
    const match = /^\s*(pass|fail|logged)\s*\(([^)]*)\)\s*$/.exec(part);
    if (!match || !bracketLevels(match[2])) throw new CaseError(`cannot read expected ${JSON.stringify(expected)}: "${part.trim()}" is not OUTCOME (LEVEL, ...) with OUTCOME pass, fail or logged and LEVEL one of ${LEVELS.join(', ')}`);
    for (const word of match[2]!.split(',')) {
      const level = word.trim() as Level;
      if (levels.has(level)) throw new CaseError(`expected ${JSON.stringify(expected)} names the level ${level} twice`);
      levels.set(level, match[1] as Outcome);
    }
  }
  return { kind: 'levels', levels };
}
