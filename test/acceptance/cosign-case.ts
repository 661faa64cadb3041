// cosign image signature cases: containers/image signature files (one or a list, any one accepted suffices), optionally
// rebuilt from an upstream file with annotations removed, checked against the image's manifest and the trust given.
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { publicKeysFromPem, verifyCosignSignature, type IdentityRule } from '../../main/signatures/cosign.verifier.ts';
import { CaseError, checkObject, COSIGN_TRUST_FIELDS, optionalText, requiredText, textList, verificationTime, type Case } from './case-format.ts';
import type { CaseOutcome } from './bundle-case.ts';

const PREFIX = Buffer.from('\0sigstore-json\n');

interface SignatureFile {
  mimeType: string;
  payload: string;
  annotations: Record<string, string>;
}

// The rule names containers/image defines (policy_reference_match.go), with the parameters each one takes; the type
// keeps this list equal to the rules the verifier's IdentityRule supports.
const RULES = {
  matchRepoDigestOrExact: [],
  matchExact: [],
  matchRepository: [],
  exactReference: ['dockerReference'],
  exactRepository: ['dockerRepository'],
  remapIdentity: ['prefix', 'signedPrefix'],
} satisfies Record<Exclude<IdentityRule, string>['type'], string[]>;
const RULE_FIELDS: Record<string, string[] | undefined> = RULES;

// `identity_rule` as a name or as containers/image's {type, ...} object; absent, containers/image's default applies.
export function identityRule(value: unknown): IdentityRule {
  if (value === undefined || value === null) return 'matchRepoDigestOrExact';
  if (typeof value === 'string') {
    const fields = RULE_FIELDS[value];
    if (!fields) throw new CaseError(`unknown identity_rule ${JSON.stringify(value)}`);
    if (fields.length) throw new CaseError(`identity_rule ${value} needs its parameters (${fields.join(', ')}); give it as an object`);
    return value as IdentityRule;
  }
  const type = (value as { type?: unknown } | null)?.type;
  const fields = typeof type === 'string' ? RULE_FIELDS[type] : undefined;
  if (!fields) throw new CaseError(`unknown identity_rule ${JSON.stringify(value)}`);
  const rule = checkObject(value, `identity_rule ${String(type)}`, ['type', ...fields]);
  for (const field of fields) requiredText(rule[field], `identity_rule.${field}`);
  return rule as unknown as IdentityRule;
}

// The file's bytes read as containers/image reads a sigstore-json signature; a file that is not one is rejected with a reason.
export function parseSignatureFile(raw: Buffer): SignatureFile | string {
  if (!raw.subarray(0, PREFIX.length).equals(PREFIX)) return 'not a sigstore-json signature file (no \\0sigstore-json\\n prefix)';
  let value: unknown;
  try {
    value = JSON.parse(raw.subarray(PREFIX.length).toString('utf8'));
  } catch (error) {
    return `the signature JSON cannot be read: ${(error as Error).message}`;
  }
  const s = value as Partial<SignatureFile> | null;
  if (typeof s !== 'object' || s === null || typeof s.mimeType !== 'string' || typeof s.payload !== 'string') return 'the signature lacks mimeType or payload';
  const annotations = s.annotations ?? {};
  if (typeof annotations !== 'object' || Object.values(annotations).some((a) => typeof a !== 'string')) return 'the signature annotations are not strings';
  return { mimeType: s.mimeType, payload: s.payload, annotations };
}

async function certificates(data: (path: string) => string, path: string | undefined): Promise<X509Certificate[]> {
  if (path === undefined) return [];
  const pems = (await readFile(data(path), 'utf8')).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new CaseError(`${path} holds no PEM certificate`);
  return pems.map((pem) => new X509Certificate(pem));
}

// derived_from: the upstream file with the named annotations taken out; each must be there to be removed.
async function derivedSignature(value: unknown, data: (path: string) => string): Promise<SignatureFile> {
  const derived = checkObject(value, 'derived_from', ['file', 'remove_annotations']);
  const file = requiredText(derived.file, 'derived_from.file');
  const remove = textList(derived.remove_annotations, 'derived_from.remove_annotations');
  if (remove.length === 0) throw new CaseError('derived_from.remove_annotations is missing');
  const source = parseSignatureFile(await readFile(data(file)));
  if (typeof source === 'string') throw new CaseError(`derived_from.file ${file}: ${source}`);
  const annotations = { ...source.annotations };
  for (const name of remove) {
    if (!Object.hasOwn(annotations, name)) throw new CaseError(`derived_from removes the annotation ${name}, which ${file} does not carry`);
    delete annotations[name];
  }
  return { ...source, annotations };
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );
}

// The signatures the case offers: its files, with one absent file built from derived_from, or derived_from checked against them.
async function signatures(c: Case, data: (path: string) => string): Promise<{ name: string; signature: SignatureFile | string }[]> {
  const files = textList(c.signature, 'signature');
  const derived = c.derived_from === undefined || c.derived_from === null ? null : await derivedSignature(c.derived_from, data);
  if (files.length === 0 && !derived) throw new CaseError('signature is missing');
  const present = await Promise.all(files.map((f) => exists(data(f))));
  const absent = files.filter((_, i) => !present[i]);
  if (absent.length > (derived ? 1 : 0)) throw new CaseError(`the signature file ${absent.join(', ')} does not exist${derived ? '' : ' and no derived_from says how to build it'}`);
  const out: { name: string; signature: SignatureFile | string }[] = [];
  for (const [i, file] of files.entries()) out.push({ name: file, signature: present[i] ? parseSignatureFile(await readFile(data(file))) : derived! });
  if (files.length === 0) out.push({ name: 'derived_from', signature: derived! });
  if (derived && absent.length === 0 && !out.some((s) => isDeepStrictEqual(s.signature, derived))) {
    throw new CaseError('derived_from does not match the signature file: removing its annotations from the upstream file gives a different signature');
  }
  return out;
}

export async function cosignCase(c: Case, data: (path: string) => string): Promise<CaseOutcome> {
  const manifest = await readFile(data(`${requiredText(c.image_dir, 'image_dir')}/manifest.json`));
  const reference = requiredText(c.image_reference, 'image_reference');
  const rule = identityRule(c.identity_rule);
  const trust = checkObject(c.trust, 'trust', COSIGN_TRUST_FIELDS);
  const text = (field: string) => optionalText(trust[field], `trust.${field}`);
  const keys: KeyObject[] = [];
  for (const path of [...textList(trust.key, 'trust.key'), ...textList(trust.keys, 'trust.keys')]) {
    const found = publicKeysFromPem(await readFile(data(path), 'utf8'));
    if (found.length === 0) throw new CaseError(`${path} holds no public key`);
    keys.push(...found);
  }
  const fulcio = text('fulcio_ca');
  const caRoots = text('ca_roots');
  if (fulcio && text('oidc_issuer') === undefined) throw new CaseError('trust.fulcio_ca needs trust.oidc_issuer');
  if ((fulcio || caRoots) && text('subject_email') === undefined && text('subject_hostname') === undefined) throw new CaseError('a certificate trust needs trust.subject_email or trust.subject_hostname');
  if (text('ca_intermediates') && !caRoots) throw new CaseError('trust.ca_intermediates needs trust.ca_roots');
  if (keys.length === 0 && !fulcio && !caRoots) throw new CaseError('trust names no key, Fulcio CA or CA roots');
  const rekor = text('rekor_public_key');
  const rekorKeys = rekor ? publicKeysFromPem(await readFile(data(rekor), 'utf8')) : [];
  if (rekor && rekorKeys.length === 0) throw new CaseError(`${rekor} holds no public key`);
  const cosignTrust = {
    keys,
    rekorKeys,
    roots: [...(await certificates(data, fulcio)), ...(await certificates(data, caRoots))],
    intermediates: await certificates(data, text('ca_intermediates')),
    identity: { email: text('subject_email'), hostname: text('subject_hostname'), issuer: text('oidc_issuer') },
    requireTlog: rekor !== undefined,
  };
  const now = verificationTime(c);
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const reasons: string[] = [];
  for (const { name, signature } of await signatures(c, data)) {
    if (typeof signature === 'string') {
      reasons.push(`${name}: ${signature}`);
      continue;
    }
    const verification = verifyCosignSignature({
      manifestDigest,
      reference,
      identityRule: rule,
      payload: Buffer.from(signature.payload, 'base64'),
      annotations: signature.annotations,
      trust: cosignTrust,
      ...(now ? { now } : {}),
    });
    if (verification.verdict === 'verified') return { result: 'pass', detail: `${name}: ${verification.reason}` };
    reasons.push(`${name}: ${verification.reason}`);
  }
  return { result: 'fail', detail: `no signature is accepted: ${reasons.join('; ')}` };
}
