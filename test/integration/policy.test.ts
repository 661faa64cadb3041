import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { PolicyEvaluationSchema, PolicyExportSchema, PolicySchema, type Policy, type PolicyEvaluation, type PolicyExport, type PolicyTarget } from '../../shared/model/policy.model.ts';
import type { SignIntentView, SignPlan, SignResult } from '../../shared/model/signing.model.ts';
import { PolicyService } from '../../main/policy/policy.service.ts';
import { writeExport } from '../../main/cli/commands/policy.command.ts';
import { signetAuthority } from '../../main/policy/policy.types.ts';
import { globsOverlap } from '../../main/policy/scope-globs.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel } from '../support/dispatch.ts';

// An independent YAML reader (a dev dependency of the packager) checks that the exported YAML is YAML.
const yaml = createRequire(import.meta.url)('js-yaml') as { loadAll(text: string): unknown[] };

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const SLSA = 'https://slsa.dev/provenance/v0.2';
let registry: Registry;
let hsm: SoftHsm;
let host: string;
let app: TestApp;
let work: string;
let factory: ImageFactory;
let policies: PolicyService;
let release: KeyRecord;
let ci: KeyRecord;
let ops: KeyRecord;
let peerPem: string;
let caPem: string;

before(async () => {
  registry = await startRegistry();
  hsm = await startSoftHsm('policy-hsm', ['policy-twin']);
  host = new URL(registry.url).host;
  work = await mkdtemp(join(tmpdir(), 'signet-policy-'));
  factory = new ImageFactory(registry.url);
  app = await createTestApp({ probes: quietProbes, confirmations: new ScriptedConfirmation(), keychain: new MemoryKeychain() });
  await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
  for (const tokenLabel of [hsm.label, 'policy-twin']) await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel }, hsm.userPin);
  policies = new PolicyService({ dataDir: app.dataDir, audit: app.audit, settings: app.settings, keys: app.keys, credentials: app.registryCredentials, authority: signetAuthority(app.authority, 'cli') });
  release = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'release' });
  ci = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'ci' });
  ops = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'ops' });
  await run(join(tools, 'cosign'), ['generate-key-pair', '--output-key-prefix', 'peer'], { cwd: work, env: cosignEnv() });
  peerPem = await readFile(join(work, 'peer.pub'), 'utf8');
  caPem = (await call<{ rootPem: string }>('authority.create', { name: 'Policy Test', backend: { kind: 'software' } })).rootPem;
});

after(async () => {
  await app?.cleanup();
  await registry?.stop();
  await hsm?.cleanup();
});

const cosignEnv = () => ({ ...process.env, HOME: work, COSIGN_PASSWORD: '' });

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input);
}

// Signs through the app as a person would: plan, prepare, confirm.
async function sign(reference: string, key: KeyRecord, format: 'cosign' | 'sigstore-bundle' | 'notation' = 'cosign'): Promise<void> {
  const plan = await call<SignPlan>('signing.plan', { reference });
  const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: [plan.digest], keyId: key.id, format });
  const result = await call<SignResult>('signing.confirm', { intentId: intent.intentId });
  assert.equal(result.signed[0]!.verdict, 'verified', result.signed[0]!.reason);
}

async function cosignSign(repository: string, image: Pushed): Promise<void> {
  await run(join(tools, 'cosign'), ['sign', '--yes', '--key', join(work, 'peer.key'), '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', `${host}/${repository}@${image.digest}`], { cwd: work, env: cosignEnv() });
}

async function image(repository: string, tag: string): Promise<Pushed> {
  return factory.image(repository, tag, { os: 'linux', architecture: 'amd64' }, `${repository}:${tag} ${Math.random()}`);
}

async function save(policy: unknown): Promise<Policy> {
  return policies.save(PolicySchema.parse(policy), 'cli');
}

async function evaluate(policyId: string, reference: string): Promise<PolicyEvaluation> {
  return PolicyEvaluationSchema.parse(await policies.evaluate(policyId, reference, false));
}

async function exported(policyId: string, target: PolicyTarget): Promise<PolicyExport> {
  return PolicyExportSchema.parse(await policies.export(policyId, target));
}

const keySigner = (key: KeyRecord) => ({ kind: 'key', keyId: key.id });
const peer = () => ({ kind: 'publicKey', name: 'peer', pem: peerPem });
const caSigner = () => ({ kind: 'ca', name: 'Policy Test CA', pem: caPem });

test('2 of 2: passes only when both signed, and says who is missing', async () => {
  await save({ id: 'both', name: 'Both', rules: [{ scope: `${host}/both/*`, signers: [keySigner(release), peer()], threshold: 2 }] });
  const pushed = await image('both/app', 'v1');
  await sign(`${host}/both/app:v1`, release);
  const one = await evaluate('both', `${host}/both/app:v1`);
  assert.equal(one.verdict, 'fail');
  assert.equal(one.admitted, false);
  assert.equal(one.digest, pushed.digest);
  assert.equal(one.rule, `${host}/both/*`);
  assert.deepEqual(one.acceptedSigners, ['release']);
  assert.ok(one.reasons.includes('1 of the 2 required signers signed: release; missing: peer.'), one.reasons.join('\n'));
  await cosignSign('both/app', pushed);
  const two = await evaluate('both', `${host}/both/app:v1`);
  assert.equal(two.verdict, 'pass', two.reasons.join('\n'));
  assert.equal(two.admitted, true);
  assert.deepEqual(two.acceptedSigners.sort(), ['peer', 'release']);
});

test('2 of 3: two signers pass; one fails and the reason names who may still sign', async () => {
  await save({ id: 'two-of-three', name: 'Two of three', rules: [{ scope: `${host}/trio/*`, signers: [keySigner(release), keySigner(ci), peer()], threshold: 2 }] });
  const pair = await image('trio/app', 'pair');
  await sign(`${host}/trio/app:pair`, release);
  await cosignSign('trio/app', pair);
  const passed = await evaluate('two-of-three', `${host}/trio/app:pair`);
  assert.equal(passed.verdict, 'pass', passed.reasons.join('\n'));
  assert.deepEqual(passed.acceptedSigners.sort(), ['peer', 'release']);
  await image('trio/app', 'single');
  await sign(`${host}/trio/app:single`, ci);
  const failed = await evaluate('two-of-three', `${host}/trio/app:single`);
  assert.equal(failed.verdict, 'fail');
  assert.ok(failed.reasons.includes('1 of the 2 required signers signed: ci; missing: release, peer (any 1 of them).'), failed.reasons.join('\n'));
});

test('a twin counts as the key it stands in for: it satisfies that signer, and the pair never makes two votes', async () => {
  const onToken = (tokenLabel: string) => ({ kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel });
  const vault = await call<KeyRecord>('keys.generate', { backend: onToken(hsm.label), label: 'vault' });
  const { twin } = await app.recovery.twin(vault.id, { modulePath: SOFTHSM_MODULE, tokenLabel: 'policy-twin' }, undefined, 'cli');
  await save({ id: 'twins', name: 'Twins', rules: [{ scope: `${host}/twins/*`, signers: [keySigner(vault), keySigner(ci)], threshold: 2, formats: ['cosign'] }] });
  await image('twins/app', 'a');
  await sign(`${host}/twins/app:a`, twin);
  await sign(`${host}/twins/app:a`, ci);
  const passed = await evaluate('twins', `${host}/twins/app:a`);
  assert.equal(passed.verdict, 'pass', passed.reasons.join('\n'));
  assert.deepEqual(passed.acceptedSigners.sort(), ['ci', 'vault (or its twin "vault twin")']);
  await image('twins/app', 'b');
  await sign(`${host}/twins/app:b`, vault);
  await sign(`${host}/twins/app:b`, twin);
  const pair = await evaluate('twins', `${host}/twins/app:b`);
  assert.equal(pair.verdict, 'fail', 'a key and its twin are one signer');
  assert.deepEqual(pair.acceptedSigners, ['vault (or its twin "vault twin")']);

  const kyverno = (yaml.loadAll(fileOf(await exported('twins', 'kyverno'), 'twins.kyverno.yaml'))[0] as z.infer<typeof KyvernoClusterPolicy>);
  KyvernoClusterPolicy.parse(kyverno);
  const set = kyverno.spec.rules[0]!.verifyImages[0]!.attestors[0]!;
  assert.equal(set.count, 2);
  const nested = (set.entries[0] as { attestor: { count: number; entries: { keys: { publicKeys: string } }[] } }).attestor;
  assert.equal(nested.count, 1);
  assert.deepEqual(nested.entries.map((e) => e.keys.publicKeys.trim()), [vault.publicKeyPem.trim(), twin.publicKeyPem.trim()]);
  assert.equal((set.entries[1] as { keys: { publicKeys: string } }).keys.publicKeys.trim(), ci.publicKeyPem.trim());

  const cip = yaml.loadAll(fileOf(await exported('twins', 'policy-controller'), 'twins.cluster-image-policies.yaml'))[0] as z.infer<typeof ClusterImagePolicy>;
  ClusterImagePolicy.parse(cip);
  assert.deepEqual(cip.spec.authorities.map((a) => a.name), ['signer-1', 'signer-1-twin-1', 'signer-2']);
  assert.equal(cip.spec.authorities[1]!.key?.data.trim(), twin.publicKeyPem.trim());
  const rego = cip.spec.policy!.data;
  assert.match(rego, /signed\["signer-1"\] \{\n {2}count\(input\.authorityMatches\["signer-1-twin-1"\]\.signatures\) > 0/);
  assert.match(rego, /count\(signed\) >= 2/);

  const policyJson = ContainersPolicy.parse(JSON.parse(fileOf(await exported('twins', 'containers-policy'), 'policy.json')));
  const requirements = policyJson.transports.docker[`${host}/twins`]!;
  const keyDatas = (requirements[0] as { keyDatas: string[] }).keyDatas.map((k) => Buffer.from(k, 'base64').toString().trim());
  assert.deepEqual(keyDatas, [vault.publicKeyPem.trim(), twin.publicKeyPem.trim()]);
  assert.equal(requirements.length, 2, 'the pair is one requirement, ci the other');
});

test('a revoked inventory key stops counting', async () => {
  const doomed = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'doomed' });
  await save({ id: 'revocable', name: 'Revocable', rules: [{ scope: `${host}/revoke/*`, signers: [keySigner(doomed)] }] });
  await image('revoke/app', 'v1');
  await sign(`${host}/revoke/app:v1`, doomed);
  assert.equal((await evaluate('revocable', `${host}/revoke/app:v1`)).verdict, 'pass');
  await app.keys.revoke(doomed.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 60_000).toISOString() }, 'cli');
  const after = await evaluate('revocable', `${host}/revoke/app:v1`);
  assert.equal(after.verdict, 'fail');
  assert.deepEqual(after.acceptedSigners, []);
  assert.ok(after.reasons.some((r) => /^doomed: .*revoked \(keyCompromise\)/.test(r)), after.reasons.join('\n'));
});

test('format filter: a signature in a format the rule does not accept does not count, and says so', async () => {
  await image('formats/app', 'bundle');
  await sign(`${host}/formats/app:bundle`, release, 'sigstore-bundle');
  await save({ id: 'cosign-only', name: 'Cosign only', rules: [{ scope: `${host}/formats/*`, signers: [keySigner(release)], formats: ['cosign'] }] });
  const refused = await evaluate('cosign-only', `${host}/formats/app:bundle`);
  assert.equal(refused.verdict, 'fail');
  assert.ok(refused.reasons.includes('release: signed only in a format the rule does not accept: sigstore-bundle.'), refused.reasons.join('\n'));
  await save({ id: 'bundle-ok', name: 'Bundles', rules: [{ scope: `${host}/formats/*`, signers: [keySigner(release)], formats: ['sigstore-bundle'] }] });
  assert.equal((await evaluate('bundle-ok', `${host}/formats/app:bundle`)).verdict, 'pass');

  const notary = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'notary' });
  await image('formats/app', 'notation');
  await sign(`${host}/formats/app:notation`, notary, 'notation');
  await save({ id: 'ca-cosign', name: 'CA, cosign only', rules: [{ scope: `${host}/formats/*`, signers: [caSigner()], formats: ['cosign'] }] });
  const notation = await evaluate('ca-cosign', `${host}/formats/app:notation`);
  assert.ok(notation.reasons.includes('Policy Test CA: signed only in a format the rule does not accept: notation.'), notation.reasons.join('\n'));
  await save({ id: 'ca-notation', name: 'CA, Notation', rules: [{ scope: `${host}/formats/*`, signers: [caSigner()], formats: ['notation'] }] });
  assert.equal((await evaluate('ca-notation', `${host}/formats/app:notation`)).verdict, 'pass');
  // Signet's own CRL applies when the CA signer is Signet's root.
  await app.keys.revoke(notary.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 60_000).toISOString() }, 'cli');
  const revoked = await evaluate('ca-notation', `${host}/formats/app:notation`);
  assert.equal(revoked.verdict, 'fail', revoked.reasons.join('\n'));
});

test('a required attestation must be verified and come from an accepted signer', async () => {
  await save({ id: 'provenance', name: 'Provenance', rules: [{ scope: `${host}/attest/*`, signers: [peer()], attestations: [SLSA] }] });
  const pushed = await image('attest/app', 'v1');
  await cosignSign('attest/app', pushed);
  const missing = await evaluate('provenance', `${host}/attest/app:v1`);
  assert.equal(missing.verdict, 'fail');
  assert.deepEqual(missing.acceptedSigners, ['peer']);
  assert.ok(missing.reasons.includes(`no verified ${SLSA} attestation from an accepted signer.`), missing.reasons.join('\n'));
  await writeFile(join(work, 'provenance.json'), JSON.stringify({ builder: { id: 'https://ci.example/builder' }, buildType: 'https://example/build' }));
  await run(join(tools, 'cosign'), ['attest', '--yes', '--key', join(work, 'peer.key'), '--type', 'slsaprovenance', '--predicate', join(work, 'provenance.json'), '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', `${host}/attest/app@${pushed.digest}`], { cwd: work, env: cosignEnv() });
  const attested = await evaluate('provenance', `${host}/attest/app:v1`);
  assert.equal(attested.verdict, 'pass', attested.reasons.join('\n'));
});

test('warn admits a failing image with the verdict fail; an image no rule covers is not decided', async () => {
  await save({ id: 'gentle', name: 'Gentle', rules: [{ scope: `${host}/gentle/*`, signers: [keySigner(release)], enforcement: 'warn' }] });
  await image('gentle/app', 'v1');
  const warned = await evaluate('gentle', `${host}/gentle/app:v1`);
  assert.equal(warned.verdict, 'fail');
  assert.equal(warned.enforcement, 'warn');
  assert.equal(warned.admitted, true);
  assert.ok(warned.reasons.some((r) => /warn mode/.test(r)));
  await image('elsewhere/app', 'v1');
  const none = await evaluate('gentle', `${host}/elsewhere/app:v1`);
  assert.equal(none.verdict, 'no-rule');
  assert.equal(none.rule, null);
  assert.equal(none.enforcement, null);
  assert.equal(none.admitted, true);
  assert.match(none.reasons[0]!, /No rule of policy "Gentle" covers/);
});

test('scope overlap is decided on the globs themselves', () => {
  assert.equal(globsOverlap('h/ns/*', 'h/ns/app'), true);
  assert.equal(globsOverlap('h/*/app', 'h/ns/*'), true);
  assert.equal(globsOverlap('h/a/*', 'h/b/*'), false);
  assert.equal(globsOverlap('h/a?', 'h/ab*'), true);
  assert.equal(globsOverlap('h/a?', 'h/abc'), false);
});

// ---- exports: each target's documented schema, written as explicit checks ----

const Pem = (label: string) => z.string().startsWith(`-----BEGIN ${label}-----`);
// An entry is keys, keyless or certificates, or a nested attestor set (Kyverno's Attestor.attestor) for an alternative within one vote.
type KyvernoEntry =
  | { keys: { publicKeys: string; rekor: { url: string; ignoreTlog: boolean }; ctlog: { ignoreSCT: boolean } } }
  | { keyless: { subject: string; issuer: string; rekor: { url: string } } }
  | { certificates: { cert: string } }
  | { attestor: { count: number; entries: KyvernoEntry[] } };
const KyvernoAttestorSet: z.ZodType<{ count: number; entries: KyvernoEntry[] }> = z.lazy(() =>
  z
    .object({
      count: z.number().int().min(1),
      entries: z
        .array(
          z.union([
            z.object({ keys: z.object({ publicKeys: Pem('PUBLIC KEY'), rekor: z.object({ url: z.url(), ignoreTlog: z.boolean() }).strict(), ctlog: z.object({ ignoreSCT: z.boolean() }).strict() }).strict() }).strict(),
            z.object({ keyless: z.object({ subject: z.string().min(1), issuer: z.string().min(1), rekor: z.object({ url: z.url() }).strict() }).strict() }).strict(),
            z.object({ certificates: z.object({ cert: Pem('CERTIFICATE') }).strict() }).strict(),
            z.object({ attestor: KyvernoAttestorSet }).strict(),
          ]),
        )
        .min(1),
    })
    .strict()
    .refine((set) => set.count <= set.entries.length, 'Kyverno: count cannot exceed the number of entries'),
);
const KyvernoVerifyImages = z
  .object({
    failureAction: z.enum(['Enforce', 'Audit']),
    type: z.enum(['Cosign', 'Notary']),
    imageReferences: z.array(z.string().min(1)).min(1),
    skipImageReferences: z.array(z.string().min(1)).min(1).optional(),
    mutateDigest: z.boolean(),
    verifyDigest: z.boolean(),
    required: z.boolean(),
    attestors: z.array(KyvernoAttestorSet).min(1),
    attestations: z.array(z.object({ type: z.string().min(1), attestors: z.array(KyvernoAttestorSet).min(1) }).strict()).optional(),
  })
  .strict()
  .refine((v) => !(v.failureAction === 'Audit' && v.mutateDigest), 'Kyverno: mutateDigest must be false for the Audit failure action')
  .refine((v) => v.type !== 'Notary' || v.attestors.every((set) => set.entries.every((e) => 'certificates' in e)), 'Kyverno: keys and keyless are not allowed for type Notary');
const KyvernoClusterPolicy = z
  .object({
    apiVersion: z.literal('kyverno.io/v1'),
    kind: z.literal('ClusterPolicy'),
    metadata: z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), annotations: z.record(z.string(), z.string()).optional() }).strict(),
    spec: z
      .object({
        background: z.boolean(),
        webhookConfiguration: z.object({ failurePolicy: z.enum(['Fail', 'Ignore']), timeoutSeconds: z.number().int().min(1).max(30) }).strict(),
        rules: z.array(z.object({ name: z.string().min(1).max(63), match: z.object({ any: z.array(z.object({ resources: z.object({ kinds: z.array(z.string()).min(1) }).strict() }).strict()).min(1) }).strict(), verifyImages: z.array(KyvernoVerifyImages).min(1) }).strict()),
      })
      .strict(),
  })
  .strict();

const PcAuthority = z
  .object({
    name: z.string().min(1),
    key: z.object({ data: Pem('PUBLIC KEY'), hashAlgorithm: z.enum(['sha224', 'sha256', 'sha384', 'sha512']) }).strict().optional(),
    keyless: z.object({ url: z.url(), identities: z.array(z.object({ issuer: z.string().min(1), subject: z.string().min(1) }).strict()).min(1) }).strict().optional(),
    static: z.object({ action: z.enum(['pass', 'fail']), message: z.string().optional() }).strict().optional(),
    ctlog: z.object({ url: z.url().optional() }).strict().optional(),
    attestations: z.array(z.object({ name: z.string().min(1), predicateType: z.string().min(1) }).strict()).min(1).optional(),
    signatureFormat: z.enum(['legacy', 'bundle']).optional(),
  })
  .strict()
  .refine((a) => [a.key, a.keyless, a.static].filter((x) => x !== undefined).length === 1, 'policy-controller: exactly one of key, keyless, static');
const ClusterImagePolicy = z
  .object({
    apiVersion: z.literal('policy.sigstore.dev/v1beta1'),
    kind: z.literal('ClusterImagePolicy'),
    metadata: z.object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/), annotations: z.record(z.string(), z.string()) }).strict(),
    spec: z
      .object({
        mode: z.enum(['enforce', 'warn']),
        images: z.array(z.object({ glob: z.string().regex(/^[a-zA-Z0-9-_:/*.]+$/) }).strict()).min(1),
        authorities: z.array(PcAuthority).min(1),
        policy: z.object({ type: z.enum(['cue', 'rego']), data: z.string().min(1) }).strict().optional(),
      })
      .strict(),
  })
  .strict()
  .refine((cip) => new Set(cip.spec.authorities.map((a) => a.name)).size === cip.spec.authorities.length, 'policy-controller: authority names are unique');

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/);
const Sigstore = z
  .object({
    type: z.literal('sigstoreSigned'),
    keyData: Base64.optional(),
    keyDatas: z.array(Base64).min(1).optional(),
    fulcio: z.object({ caData: Base64, oidcIssuer: z.url(), subjectEmail: z.string().min(1) }).strict().optional(),
    rekorPublicKeyData: Base64.optional(),
    signedIdentity: z.object({ type: z.enum(['matchExact', 'matchRepoDigestOrExact', 'matchRepository']) }).strict(),
  })
  .strict()
  .refine((r) => [r.keyData, r.keyDatas, r.fulcio].filter((x) => x !== undefined).length === 1, 'containers-policy: exactly one of keyData, keyDatas, fulcio')
  .refine((r) => r.fulcio === undefined || r.rekorPublicKeyData !== undefined, 'containers-policy: fulcio needs a Rekor key');
const Requirement = z.union([z.object({ type: z.literal('reject') }).strict(), z.object({ type: z.literal('insecureAcceptAnything') }).strict(), Sigstore]);
const ContainersPolicy = z.object({ default: z.array(Requirement).min(1), transports: z.object({ docker: z.record(z.string(), z.array(Requirement).min(1)) }).strict() }).strict();

const NotationTrustPolicy = z
  .object({
    name: z.string().min(1),
    registryScopes: z.array(z.string().min(1)).min(1).refine((scopes) => (scopes.includes('*') ? scopes.length === 1 : scopes.every((s) => !s.includes('*'))), 'Notation: exact repositories, or a single *'),
    signatureVerification: z.object({ level: z.enum(['strict', 'permissive', 'audit', 'skip']) }).strict(),
    trustStores: z.array(z.string().regex(/^(ca|signingAuthority|tsa):[A-Za-z0-9_.-]+$/)).min(1),
    trustedIdentities: z.array(z.string().min(1)).min(1),
  })
  .strict();
const NotationTrustPolicyDocument = z
  .object({ version: z.literal('1.0'), trustPolicies: z.array(NotationTrustPolicy) })
  .strict()
  .refine((doc) => new Set(doc.trustPolicies.map((p) => p.name)).size === doc.trustPolicies.length, 'Notation: policy names are unique')
  .refine((doc) => doc.trustPolicies.filter((p) => p.registryScopes.includes('*')).length <= 1, 'Notation: one global policy at most')
  .refine((doc) => {
    const scopes = doc.trustPolicies.flatMap((p) => p.registryScopes);
    return new Set(scopes).size === scopes.length;
  }, 'Notation: a repository belongs to one trust policy');

function fileOf(result: PolicyExport, filename: string): string {
  const file = result.files.find((f) => f.filename === filename);
  assert.ok(file, `${filename} among ${result.files.map((f) => f.filename).join(', ')}`);
  return file.text;
}

function gapAbout(result: PolicyExport, scope: string, pattern: RegExp): void {
  assert.ok(
    result.gaps.some((g) => g.startsWith(`Rule ${scope}:`) && pattern.test(g)),
    `a gap on ${scope} matching ${pattern}; gaps:\n${result.gaps.join('\n')}`,
  );
}

let wide: Policy;

test('exports: a policy with every rule shape, checked against each target schema and every gap', async () => {
  const revokedKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'retired signer' });
  await app.keys.revoke(revokedKey.id, { reason: 'superseded', invalidSince: new Date().toISOString() }, 'cli');
  wide = await save({
    id: 'wide',
    name: 'Every shape',
    description: 'Rules that each target expresses differently.',
    rules: [
      { scope: 'reg.example/team/special', signers: [keySigner(release)], formats: ['cosign'] },
      { scope: 'reg.example/team/*', signers: [keySigner(release), keySigner(ci), peer()], threshold: 2, attestations: [SLSA] },
      { scope: 'reg.example/mixed/*', signers: [keySigner(release), caSigner()], formats: ['cosign', 'notation'], enforcement: 'warn' },
      { scope: 'reg.example/all/*', signers: [keySigner(release), caSigner()], threshold: 2, formats: ['cosign', 'notation'] },
      { scope: 'reg.example/notary/app', signers: [caSigner()], formats: ['notation'], attestations: [SLSA], enforcement: 'audit' },
      { scope: 'reg.example/people/*', signers: [{ kind: 'identity', subject: 'dev@example.com', issuer: 'https://accounts.example.com' }, { kind: 'identity', subject: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' }], threshold: 2 },
      { scope: 'reg.example/a?c', signers: [keySigner(release), keySigner(revokedKey)] },
      { scope: 'reg.example/*/deep/*', signers: [keySigner(release), keySigner(ci)], threshold: 2, enforcement: 'warn' },
      { scope: 'reg.example/keys/*', signers: [keySigner(release), keySigner(ci), peer()], formats: ['cosign'] },
    ],
  });
  assert.equal(wide.rules.length, 9);

  // Kyverno
  const kyverno = await exported('wide', 'kyverno');
  const [clusterPolicy, ...more] = yaml.loadAll(fileOf(kyverno, 'wide.kyverno.yaml'));
  assert.equal(more.length, 0);
  const cp = KyvernoClusterPolicy.parse(clusterPolicy);
  assert.equal(cp.metadata.name, 'wide');
  assert.equal(cp.spec.webhookConfiguration.failurePolicy, 'Fail');
  const rule = (n: number) => cp.spec.rules.find((r) => r.name === `signet-rule-${n}`);
  assert.deepEqual(rule(1)!.verifyImages[0]!.imageReferences, ['reg.example/team/special:*', 'reg.example/team/special@*']);
  const team = rule(2)!.verifyImages[0]!;
  assert.deepEqual(team.skipImageReferences, ['reg.example/team/special:*', 'reg.example/team/special@*'], 'first match wins: the earlier, narrower rule is skipped');
  assert.equal(team.attestors[0]!.count, 2);
  assert.equal(team.attestors[0]!.entries.length, 3);
  assert.equal(team.attestations?.[0]?.type, SLSA);
  assert.equal(team.failureAction, 'Enforce');
  assert.equal(team.mutateDigest, true);
  gapAbout(kyverno, 'reg.example/team/*', /any of the rule's signers/);
  gapAbout(kyverno, 'reg.example/team/*', /Sigstore bundle/);
  const mixed = rule(3)!.verifyImages;
  assert.equal(mixed.length, 1);
  assert.equal(mixed[0]!.type, 'Cosign');
  assert.equal(mixed[0]!.failureAction, 'Audit');
  assert.equal(mixed[0]!.mutateDigest, false);
  gapAbout(kyverno, 'reg.example/mixed/*', /exported for cosign signatures only; images signed only as notation are refused/);
  gapAbout(kyverno, 'reg.example/mixed/*', /"Policy Test CA" cannot be checked by Kyverno's Cosign verification/);
  gapAbout(kyverno, 'reg.example/mixed/*', /no warn-only mode/);
  const all = rule(4)!.verifyImages;
  assert.deepEqual(all.map((v) => [v.type, v.attestors[0]!.count]), [['Cosign', 1], ['Notary', 1]], 'every signer required: one entry per type, ANDed');
  gapAbout(kyverno, 'reg.example/all/*', /no CRL distribution point/);
  assert.equal(rule(5)!.verifyImages[0]!.type, 'Notary');
  gapAbout(kyverno, 'reg.example/notary/app', /NOT checked: images without it are admitted/);
  const people = rule(6)!.verifyImages[0]!;
  assert.deepEqual(people.attestors[0]!.entries.map((e) => ('keyless' in e ? e.keyless.subject : '')), ['dev@example.com', 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main']);
  gapAbout(kyverno, 'reg.example/a?c', /key "retired signer" was revoked \(superseded\)/);
  assert.equal(rule(7)!.verifyImages[0]!.attestors[0]!.entries.length, 1, 'the revoked key is left out');
  assert.deepEqual(rule(7)!.verifyImages[0]!.imageReferences, ['reg.example/a?c:*', 'reg.example/a?c@*']);

  // policy-controller
  const pc = await exported('wide', 'policy-controller');
  const cips = yaml.loadAll(fileOf(pc, 'wide.cluster-image-policies.yaml')).map((d) => ClusterImagePolicy.parse(d));
  const cip = (n: number) => cips.find((c) => c.metadata.name === `wide-rule-${n}`);
  assert.deepEqual(cip(1)!.spec.images, [{ glob: 'reg.example/team/special*' }]);
  gapAbout(pc, 'reg.example/team/special', /exported as reg.example\/team\/special\* and also applies/);
  const teamCip = cip(2)!;
  assert.deepEqual(teamCip.spec.images, [{ glob: 'reg.example/team/**' }]);
  assert.equal(teamCip.spec.policy?.type, 'rego');
  assert.match(teamCip.spec.policy!.data, /^package sigstore$/m);
  assert.match(teamCip.spec.policy!.data, /count\(signed\) >= 2/);
  assert.match(teamCip.spec.policy!.data, /attested_1/);
  assert.ok(teamCip.spec.authorities.some((a) => a.signatureFormat === 'bundle' && a.key));
  assert.ok(teamCip.spec.authorities.some((a) => a.attestations?.[0]?.predicateType === SLSA));
  assert.ok(teamCip.spec.authorities.filter((a) => a.key).every((a) => a.ctlog !== undefined && a.ctlog.url === undefined), 'offline key signatures: the log check is off');
  gapAbout(pc, 'reg.example/team/*', /images that also match the earlier rule reg.example\/team\/special must satisfy both/);
  gapAbout(pc, 'reg.example/mixed/*', /does not verify Notation signatures/);
  assert.equal(cip(3)!.spec.mode, 'warn');
  assert.equal(cip(5)!.spec.authorities[0]!.static?.action, 'fail');
  gapAbout(pc, 'reg.example/notary/app', /refused by a static failing authority/);
  gapAbout(pc, 'reg.example/notary/app', /no audit-only mode/);
  assert.deepEqual([...new Set(cip(6)!.spec.authorities.map((a) => a.keyless?.identities[0]?.subject))], ['dev@example.com', 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main']);
  assert.deepEqual(cip(6)!.spec.authorities.map((a) => a.signatureFormat ?? 'legacy'), ['legacy', 'bundle', 'legacy', 'bundle']);
  assert.equal(cip(7), undefined);
  gapAbout(pc, 'reg.example/a?c', /cannot express "\?"/);
  assert.deepEqual(cip(8)!.spec.images, [{ glob: 'reg.example/**/deep/**' }]);
  assert.equal(cip(9)!.spec.policy, undefined, '1 of M needs no policy: authorities are ORed');
  assert.ok(pc.gaps.some((g) => /no-match policy/.test(g)));

  // containers-policy.json
  const cpol = await exported('wide', 'containers-policy');
  const policyJson = ContainersPolicy.parse(JSON.parse(fileOf(cpol, 'policy.json')));
  assert.deepEqual(policyJson.default, [{ type: 'reject' }]);
  const docker = policyJson.transports.docker;
  assert.deepEqual(Object.keys(docker).sort(), ['reg.example/all', 'reg.example/keys', 'reg.example/mixed', 'reg.example/notary/app', 'reg.example/people', 'reg.example/team', 'reg.example/team/special'].sort());
  assert.equal(docker['reg.example/team']!.length, 3, '2 of 3 is exported as all three, stricter');
  gapAbout(cpol, 'reg.example/team/*', /requires all of "release", "ci", "peer", which is stricter/);
  gapAbout(cpol, 'reg.example/team/*', /NOT checked/);
  gapAbout(cpol, 'reg.example/team/*', /also covers the repository reg.example\/team itself/);
  assert.deepEqual(docker['reg.example/notary/app'], [{ type: 'reject' }]);
  gapAbout(cpol, 'reg.example/notary/app', /every image in this scope is rejected/);
  gapAbout(cpol, 'reg.example/mixed/*', /no warn mode, so the rule is exported as enforcing/);
  const keys = docker['reg.example/keys']!;
  assert.equal(keys.length, 1);
  assert.equal((keys[0] as { keyDatas?: string[] }).keyDatas?.length, 3, '1 of 3 keys: one requirement with keyDatas');
  const peopleReqs = docker['reg.example/people']!;
  assert.deepEqual(peopleReqs, [{ type: 'reject' }], 'only the e-mail identity is expressible, and 2 are required');
  gapAbout(cpol, 'reg.example/people/*', /only by e-mail address/);
  gapAbout(cpol, 'reg.example/a?c', /this glob is not exported/);
  gapAbout(cpol, 'reg.example/*/deep/*', /this glob is not exported/);
  assert.match(fileOf(cpol, 'registries.d/wide.yaml'), /use-sigstore-attachments: true/);
  assert.ok(cpol.gaps.some((g) => /default reject/.test(g)));

  // Notation
  const notation = await exported('wide', 'notation');
  const trust = NotationTrustPolicyDocument.parse(JSON.parse(fileOf(notation, 'trustpolicy.json')));
  assert.deepEqual(trust.trustPolicies.map((p) => p.registryScopes[0]), ['reg.example/notary/app']);
  const notaryPolicy = trust.trustPolicies[0]!;
  assert.equal(notaryPolicy.signatureVerification.level, 'audit');
  assert.deepEqual(notaryPolicy.trustedIdentities, ['*']);
  for (const store of notaryPolicy.trustStores) {
    const name = store.slice(3);
    const pem = fileOf(notation, `truststore/x509/ca/${name}/${name}.pem`);
    assert.equal(new X509Certificate(pem).fingerprint256, new X509Certificate(caPem).fingerprint256);
  }
  gapAbout(notation, 'reg.example/team/*', /registry scopes are exact repositories or \*/);
  gapAbout(notation, 'reg.example/team/special', /accepts cosign/);
  gapAbout(notation, 'reg.example/notary/app', /NOT checked/);
  gapAbout(notation, 'reg.example/notary/app', /no CRL distribution point/);
});

test('exports: Notation levels, thresholds and left-out signers; Kyverno and policy-controller refuse what they cannot count', async () => {
  await save({
    id: 'exact',
    name: 'Exact repositories',
    rules: [
      { scope: 'reg.example/svc/api', signers: [caSigner(), keySigner(release), { kind: 'ca', name: 'Other CA', pem: caPem }], threshold: 2, enforcement: 'warn' },
      { scope: 'reg.example/svc/web', signers: [keySigner(release)], formats: ['notation', 'cosign'] },
      { scope: 'reg.example/svc/sparse', signers: [keySigner(release), peer()], threshold: 2, formats: ['sigstore-bundle'] },
      { scope: '*', signers: [caSigner()], formats: ['notation'] },
      { scope: 'reg.example/svc/late', signers: [caSigner()], formats: ['notation'] },
    ],
  });
  const notation = await exported('exact', 'notation');
  const trust = NotationTrustPolicyDocument.parse(JSON.parse(fileOf(notation, 'trustpolicy.json')));
  assert.deepEqual(trust.trustPolicies.map((p) => [p.registryScopes[0], p.signatureVerification.level]), [['reg.example/svc/api', 'permissive'], ['*', 'strict']]);
  assert.equal(trust.trustPolicies[0]!.trustStores.length, 1, 'two CA signers with the same certificate share one store');
  gapAbout(notation, 'reg.example/svc/api', /threshold of 2 signers is NOT enforced/);
  gapAbout(notation, 'reg.example/svc/api', /"release" cannot be expressed/);
  gapAbout(notation, 'reg.example/svc/api', /no warn mode/);
  gapAbout(notation, 'reg.example/svc/web', /none of its signers is a certificate authority/);
  assert.ok(!notation.gaps.some((g) => g.startsWith('Rule reg.example/svc/late:')), 'a rule behind * never decides in Signet, and is not exported either');

  const kyverno = await exported('exact', 'kyverno');
  gapAbout(kyverno, 'reg.example/svc/sparse', /Kyverno can check none of its signers/);
  const policyController = await exported('exact', 'policy-controller');
  const cips = yaml.loadAll(fileOf(policyController, 'exact.cluster-image-policies.yaml')).map((d) => ClusterImagePolicy.parse(d));
  assert.ok(cips.find((c) => c.metadata.annotations['signet/scope'] === 'reg.example/svc/sparse')!.spec.authorities.every((a) => a.signatureFormat === 'bundle'));
  const containers = await exported('exact', 'containers-policy');
  assert.deepEqual(JSON.parse(fileOf(containers, 'policy.json')).transports.docker[''], [{ type: 'reject' }], '* maps to the docker transport default');
  assert.match(fileOf(containers, 'registries.d/exact.yaml'), /default-docker:/);
});

// ---- containers-policy.json, for real, with skopeo 1.18 ----

async function skopeoCopy(folder: string, reference: string): Promise<string> {
  return run(join(tools, 'skopeo'), ['--policy', join(folder, 'policy.json'), '--registries.d', join(folder, 'registries.d'), 'copy', '--remove-signatures', '--src-tls-verify=false', `docker://${reference}`, `oci:${join(folder, `copy-${Math.random().toString(36).slice(2)}`)}:x`]);
}

test('containers-policy export, for real: skopeo 1.18 admits what the policy admits and refuses the rest', async () => {
  await save({
    id: 'admission',
    name: 'Admission',
    rules: [
      { scope: `${host}/adm/*`, signers: [keySigner(release)] },
      { scope: `${host}/adm2/*`, signers: [keySigner(release), peer()], threshold: 2 },
      { scope: `${host}/adm3/*`, signers: [keySigner(release), keySigner(ci)] },
    ],
  });
  const folder = await mkdtemp(join(tmpdir(), 'signet-containers-policy-'));
  const written = await writeExport(folder, await exported('admission', 'containers-policy'));
  assert.deepEqual((await readdir(join(folder, 'registries.d'))).sort(), ['admission.yaml']);
  assert.equal(written.length, 2);

  await image('adm/app', 'signed');
  await sign(`${host}/adm/app:signed`, release);
  await image('adm/app', 'unsigned');
  await image('adm/app', 'other');
  await sign(`${host}/adm/app:other`, ops);
  await skopeoCopy(folder, `${host}/adm/app:signed`);
  await assert.rejects(skopeoCopy(folder, `${host}/adm/app:unsigned`), /signature|rejected/i);
  await assert.rejects(skopeoCopy(folder, `${host}/adm/app:other`), /signature|rejected|verif/i);
  assert.equal((await evaluate('admission', `${host}/adm/app:other`)).admitted, false, 'Signet agrees');

  const one = await image('adm2/app', 'one');
  await sign(`${host}/adm2/app:one`, release);
  await assert.rejects(skopeoCopy(folder, `${host}/adm2/app:one`), /signature|rejected|verif/i);
  await cosignSign('adm2/app', one);
  await skopeoCopy(folder, `${host}/adm2/app:one`);
  assert.equal((await evaluate('admission', `${host}/adm2/app:one`)).verdict, 'pass', 'Signet agrees');

  await image('adm3/app', 'ci');
  await sign(`${host}/adm3/app:ci`, ci);
  await skopeoCopy(folder, `${host}/adm3/app:ci`);
  await image('outside/app', 'v1');
  await assert.rejects(skopeoCopy(folder, `${host}/outside/app:v1`), /rejected|reject/i, 'the default rejects what no rule covers');
});

test('the app answers for a stored policy: unknown ids are NotFound, and an export always names its target', async () => {
  await assert.rejects(policies.evaluate('nope', `${host}/adm/app:signed`, false), (error: Error & { code?: string }) => error.code === 'NotFound');
  for (const target of ['kyverno', 'policy-controller', 'containers-policy', 'notation'] as const) {
    const result = await exported(wide.id, target);
    assert.equal(result.target, target);
    assert.ok(result.gaps.every((g) => g.endsWith('.')), 'every gap is a sentence');
  }
});
