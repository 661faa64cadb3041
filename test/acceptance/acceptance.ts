// `npm run acceptance`: every case in the fixture folder's cases.json, one line each, then
// `N passed, N failed`. The folder comes from SIGNET_ACCEPTANCE_DIR (default ../shared/acceptance).
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicKeysFromPem, verifyCosignSignature } from '../../main/signatures/cosign.verifier.ts';
import { verifyRootChain, type TufRoot } from '../../main/trust/tuf-root.ts';
import { verifyNotationEnvelope, type NotationTrust, type VerificationLevel } from '../../main/signatures/notation.verifier.ts';
import { readdir } from 'node:fs/promises';
import { bundleKeyFromPem, verifySigstoreBundle, type BundlePolicy, type DigestAlgorithm } from '../../main/signatures/sigstore-bundle.verifier.ts';

interface Case {
  id: string;
  kind: string;
  expected: string;
  why?: string;
  [field: string]: unknown;
}

type Outcome = { result: 'pass' | 'fail'; detail: string } | { result: 'unsupported'; detail: string };

const root = fileURLToPath(new URL('../../', import.meta.url));
const folder = resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance');
const data = (path: string) => join(folder, 'data', path);

async function text(path: unknown): Promise<string> {
  return readFile(data(String(path)), 'utf8');
}

const SIGSTORE_SIGNATURE_PREFIX = Buffer.from('\0sigstore-json\n');

// A containers/image signature file: the bytes "\0sigstore-json\n" then {mimeType, payload, annotations}.
async function cosignImageCase(c: Case): Promise<Outcome> {
  const manifest = await readFile(data(`${c.image_dir}/manifest.json`));
  const raw = await readFile(data(String(c.signature)));
  if (!raw.subarray(0, SIGSTORE_SIGNATURE_PREFIX.length).equals(SIGSTORE_SIGNATURE_PREFIX)) return { result: 'fail', detail: 'not a sigstore-json signature file' };
  const signature = JSON.parse(raw.subarray(SIGSTORE_SIGNATURE_PREFIX.length).toString('utf8')) as { payload: string; annotations: Record<string, string> };
  const trust = c.trust as Record<string, unknown>;
  const keys = [];
  for (const path of [trust.key, ...((trust.keys as unknown[] | undefined) ?? [])].filter(Boolean)) keys.push(...publicKeysFromPem(await text(path)));
  const certificates = async (path: unknown) => (path ? ((await text(path)).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem)) : []);
  const verification = verifyCosignSignature({
    manifestDigest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    reference: String(c.image_reference),
    identityRule: c.identity_rule === 'matchExact' ? 'matchExact' : 'matchRepository',
    payload: Buffer.from(signature.payload, 'base64'),
    annotations: signature.annotations,
    trust: {
      keys,
      rekorKeys: trust.rekor_public_key ? publicKeysFromPem(await text(trust.rekor_public_key)) : [],
      roots: [...(await certificates(trust.fulcio_ca)), ...(await certificates(trust.ca_roots))],
      intermediates: await certificates(trust.ca_intermediates),
      identity: { email: trust.subject_email as string | undefined, hostname: trust.subject_hostname as string | undefined, issuer: trust.oidc_issuer as string | undefined },
      requireTlog: Boolean(trust.rekor_public_key),
    },
  });
  return { result: verification.verdict === 'verified' ? 'pass' : 'fail', detail: verification.reason };
}

// A sigstore bundle, presented as the artifact's bytes and again as only its digest; both must give the expected result.
async function sigstoreBundleCase(c: Case): Promise<Outcome> {
  let bundle: unknown;
  try {
    bundle = JSON.parse(await text(c.bundle));
  } catch {
    return { result: 'fail', detail: 'the bundle is not JSON' };
  }
  const root = JSON.parse(await text(c.trusted_root)) as unknown;
  const policy = c.policy as Record<string, unknown>;
  const rule: BundlePolicy = {};
  if (policy.skip_identity) rule.skipIdentity = true;
  if (typeof policy.certificate_identity === 'string') rule.identity = policy.certificate_identity;
  if (typeof policy.certificate_identity_regexp === 'string') rule.identity = new RegExp(policy.certificate_identity_regexp);
  if (typeof policy.certificate_oidc_issuer === 'string') rule.issuer = policy.certificate_oidc_issuer;
  if (typeof policy.certificate_oidc_issuer_regexp === 'string') rule.issuer = new RegExp(policy.certificate_oidc_issuer_regexp);
  if (typeof policy.key === 'string') {
    const [start, end] = typeof policy.key_valid_for === 'string' ? policy.key_valid_for.split('..') : [];
    rule.key = { publicKey: bundleKeyFromPem(await text(policy.key)), validFor: start && end ? { start: new Date(start), end: new Date(end) } : undefined };
  }
  const bytes = typeof c.artifact_text === 'string' ? Buffer.from(c.artifact_text) : c.artifact ? await readFile(data(String(c.artifact))) : undefined;
  const modes = (c.artifact_modes as string[] | undefined) ?? ['path'];
  const details: string[] = [];
  let verdict: 'pass' | 'fail' | null = null;
  for (const mode of modes) {
    const [algorithm, hex] = typeof c.artifact_digest === 'string' ? c.artifact_digest.split(':') : [];
    const known = algorithm === 'sha256' || algorithm === 'sha384' || algorithm === 'sha512' ? { digest: { algorithm: algorithm as DigestAlgorithm, value: Buffer.from(hex ?? '', 'hex') } } : {};
    const artifact = mode === 'sha256-digest' && bytes ? { sha256: createHash('sha256').update(bytes).digest() } : { bytes, ...known };
    const result = verifySigstoreBundle(bundle, artifact, root, rule);
    const got = result.verdict === 'verified' ? 'pass' : 'fail';
    if (verdict !== null && verdict !== got) return { result: 'fail', detail: `modes disagree: ${details.join('; ')}; ${mode}: ${result.reason}` };
    verdict = got;
    details.push(`${mode}: ${result.reason}`);
  }
  return { result: verdict ?? 'fail', detail: details.join('; ') };
}

// `files` names a root history as "dir/N..M.root.json": every step of the chain must hold.
async function tufRootCase(c: Case): Promise<Outcome> {
  const match = /^(.*\/)(\d+)\.\.(\d+)\.root\.json$/.exec(String(c.files));
  if (!match) return { result: 'fail', detail: `cannot read the file range ${String(c.files)}` };
  const roots: TufRoot[] = [];
  for (let n = Number(match[2]); n <= Number(match[3]); n++) roots.push(JSON.parse(await text(`${match[1]}${n}.root.json`)) as TufRoot);
  const steps = verifyRootChain(roots);
  const bad = steps.find((s) => !s.ok);
  return bad ? { result: 'fail', detail: `root ${bad.version}: ${bad.reason}` } : { result: 'pass', detail: `${steps.length} roots; ${steps.at(-1)!.reason}` };
}

// A Notation trust store folder: every certificate in every file, PEM or DER.
async function trustStore(folder: string): Promise<X509Certificate[]> {
  const certificates: X509Certificate[] = [];
  for (const name of await readdir(data(folder))) {
    const bytes = await readFile(data(`${folder}/${name}`));
    const pems = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (pems) certificates.push(...pems.map((pem) => new X509Certificate(pem)));
    else certificates.push(new X509Certificate(bytes));
  }
  return certificates;
}

async function notationTrust(c: Case): Promise<NotationTrust> {
  const policy = c.policy as { trust_stores?: string[]; trust_policy?: string; artifact_reference?: string; trusted_identities?: string[] };
  const trust: NotationTrust = { ca: [], signingAuthority: [], tsa: [], trustedIdentities: policy.trusted_identities ?? [], level: 'strict' };
  for (const entry of policy.trust_stores ?? []) {
    const [type, path] = entry.split(/:(.*)/s) as [keyof Pick<NotationTrust, 'ca' | 'signingAuthority' | 'tsa'>, string];
    trust[type].push(...(await trustStore(path)));
  }
  if (policy.trust_policy) {
    const document = JSON.parse(await text(policy.trust_policy.split(' ')[0])) as { trustPolicies: { registryScopes: string[]; signatureVerification: { level: VerificationLevel }; trustedIdentities?: string[] }[] };
    const repository = policy.artifact_reference?.split('@')[0];
    const statement = document.trustPolicies.find((p) => p.registryScopes.includes('*') || (repository && p.registryScopes.includes(repository)));
    if (!statement) throw new Error(`no trust policy statement covers ${repository}`);
    trust.level = statement.signatureVerification.level;
    trust.trustedIdentities = statement.trustedIdentities ?? trust.trustedIdentities;
  }
  return trust;
}

// Verified at the strict level, the level the first word of `expected` speaks of.
async function notationCase(c: Case): Promise<Outcome> {
  const policy = c.policy as { artifact_reference?: string };
  const result = verifyNotationEnvelope(await readFile(data(String(c.envelope))), await notationTrust(c), { artifactDigest: policy.artifact_reference?.split('@')[1] });
  return { result: result.verdict === 'verified' ? 'pass' : 'fail', detail: result.reason };
}

// The timestamp cases check the countersignature: authentic timestamp, or, without one, a signing chain valid now.
async function notationTimestampCase(c: Case): Promise<Outcome> {
  const result = verifyNotationEnvelope(await readFile(data(String(c.envelope))), await notationTrust(c));
  const timestamp = result.checks.find((check) => check.name === 'timestamp');
  const authenticity = result.checks.find((check) => check.name === 'authenticity');
  if (timestamp?.ok) return { result: 'pass', detail: timestamp.reason };
  return { result: authenticity?.ok ? 'pass' : 'fail', detail: `${timestamp?.reason ?? 'no timestamp'}; ${authenticity?.reason ?? ''}` };
}

const CHECKERS: Record<string, (c: Case) => Promise<Outcome>> = {
  'notation JWS envelope (application/jose+json)': notationCase,
  'notation envelope + RFC3161 timestamp countersignature': notationTimestampCase,
  'TUF metadata': tufRootCase,
  'sigstore-bundle': sigstoreBundleCase,
  'cosign image signature (simple-signing payload + annotations)': cosignImageCase,
};

// "pass", "pass (with a note)", or per-level Notation outcomes: the first word of the strict level decides.
function expectedResult(expected: string): 'pass' | 'fail' {
  return /^\s*pass/i.test(expected) ? 'pass' : 'fail';
}

const casesFile = await readFile(join(folder, 'cases.json'), 'utf8').catch(() => {
  console.error(`acceptance: no cases.json in ${folder}; set SIGNET_ACCEPTANCE_DIR to the fixture folder`);
  process.exit(1);
});
const cases = ((JSON.parse(casesFile) as { cases?: Case[] }).cases ?? []) as Case[];
let passed = 0;
let failed = 0;
for (const c of cases) {
  const checker = CHECKERS[c.kind];
  if (!checker) {
    failed++;
    console.log(`FAIL ${c.id}: no verifier for "${c.kind}" yet`);
    continue;
  }
  let outcome: Outcome;
  try {
    outcome = await checker(c);
  } catch (error) {
    outcome = { result: 'fail', detail: `error: ${(error as Error).message}` };
  }
  const want = expectedResult(c.expected);
  const ok = outcome.result === want;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.id}: expected ${want}, got ${outcome.result}: ${outcome.detail}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
