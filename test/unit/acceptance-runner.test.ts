import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCbor, type CborValue } from '../../main/encoding/cbor.ts';
import { verifyNotationEnvelope } from '../../main/signatures/notation.verifier.ts';
import { acceptanceFolder, evaluateCase, runCaseFolder } from '../acceptance/acceptance.ts';
import { CaseError, parseExpected } from '../acceptance/case-format.ts';
import { readTrustStore } from '../acceptance/notation-case.ts';
import { withTimestampToken } from '../acceptance/timestamp-token.ts';
import { tufKey, tufRoot, tufTargets } from '../support/tuf-factory.ts';

// Synthetic cases live in a temporary folder whose data/ links the real fixture sets and adds files of its own.
const shared = join(acceptanceFolder(), 'data');
const missing = existsSync(shared) ? false : `the acceptance fixtures are not at ${shared} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`acceptance runner tests on real fixtures skipped: ${missing}`);
let folder: string;
let data: string;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'signet-acceptance-cases-'));
  data = join(folder, 'data');
  await mkdir(join(data, 'synthetic'), { recursive: true });
  if (!missing) for (const set of await readdir(shared)) await symlink(join(shared, set), join(data, set));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

const run = (c: unknown) => evaluateCase(c, data);
const fixtures = { skip: missing };

const COSIGN = 'cosign image signature (simple-signing payload + annotations)';
const JWS = 'notation JWS envelope (application/jose+json)';
const TIMESTAMP = 'notation envelope + RFC3161 timestamp countersignature';
const ci = 'containers-image/fixtures';
const keyCase = { id: 'cosign', set: 'containers-image', kind: COSIGN, image_dir: `${ci}/dir-img-cosign-valid`, image_reference: '192.168.64.2:5000/cosign-signed-single-sample', identity_rule: 'matchRepository', trust: { key: `${ci}/cosign.pub` }, network: false };
const rekorCase = { id: 'rekor', kind: COSIGN, image_dir: `${ci}/dir-img-cosign-key-rekor-valid`, image_reference: '192.168.64.2:5000/cosign-signed/key-1', identity_rule: 'matchRepository', trust: { key: `${ci}/cosign2.pub`, rekor_public_key: `${ci}/rekor.pub` } };
const notationCase = {
  id: 'notation',
  kind: JWS,
  envelope: 'notation-go/envelopes/ca_expired_sig_env.json',
  policy: {
    trust_policy: 'notation-go/trustpolicy.oci.json (reconstructed)',
    trust_stores: ['ca:notation-go/verifier/truststore/x509/ca/valid-trust-store', 'signingAuthority:notation-go/verifier/truststore/x509/signingAuthority/valid-trust-store'],
    artifact_reference: 'registry.acme-rockets.io/software/net-monitor@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e',
  },
};

test('a signature list is accepted when one file verifies, and refused when none does', fixtures, async () => {
  const list = { ...keyCase, signature: [`${ci}/unknown-cosign-key.signature`, `${ci}/dir-img-cosign-valid/signature-1`], expected: 'pass' };
  const one = await run(list);
  assert.equal(one.ok, true, one.line);
  assert.match(one.line, /signature-1: Signed by the trusted key/);
  const none = await run({ ...list, signature: [`${ci}/unknown-cosign-key.signature`, `${ci}/dir-img-cosign-key-rekor-valid/signature-1`] });
  assert.equal(none.ok, false);
  assert.match(none.line, /^FAIL cosign: expected pass, got fail: no signature is accepted/);
});

test('derived_from builds an absent signature with the annotations removed, and a present one must match it', fixtures, async () => {
  const derived = { ...rekorCase, signature: 'synthetic/no-bundle-signature', derived_from: { file: `${rekorCase.image_dir}/signature-1`, remove_annotations: ['dev.sigstore.cosign/bundle'] } };
  const refused = await run({ ...derived, expected: 'fail' });
  assert.equal(refused.ok, true, refused.line);
  assert.match(refused.line, /synthetic\/no-bundle-signature: The policy requires a transparency-log entry and the signature has none/);
  assert.equal((await run({ ...rekorCase, signature: `${rekorCase.image_dir}/signature-1`, expected: 'pass' })).ok, true, 'the upstream file itself verifies');
  assert.equal((await run({ ...derived, expected: 'pass' })).ok, false);
  const mismatch = await run({ ...derived, signature: `${rekorCase.image_dir}/signature-1`, expected: 'fail' });
  assert.equal(mismatch.ok, false);
  assert.match(mismatch.line, /derived_from does not match the signature file/);
  const lacking = await run({ ...derived, derived_from: { ...derived.derived_from, remove_annotations: ['not.there'] }, expected: 'fail' });
  assert.match(lacking.line, /^FAIL rekor: cannot run the case: derived_from removes the annotation not\.there/);
  assert.match((await run({ ...derived, derived_from: { ...derived.derived_from, extra: 1 }, expected: 'fail' })).line, /unknown derived_from field "extra"/);
});

test('identity_rule takes every containers/image rule, with its parameters, and refuses one it does not know', fixtures, async () => {
  const base = { ...keyCase, signature: `${ci}/dir-img-cosign-valid/signature-1` };
  assert.equal((await run({ ...base, identity_rule: { type: 'exactRepository', dockerRepository: '192.168.64.2:5000/cosign-signed-single-sample' }, image_reference: 'elsewhere/x:1', expected: 'pass' })).ok, true);
  assert.equal((await run({ ...base, identity_rule: { type: 'remapIdentity', prefix: 'mirror.example/x', signedPrefix: '192.168.64.2:5000/cosign-signed-single-sample' }, image_reference: 'mirror.example/x:latest', expected: 'fail' })).ok, true, 'a name-only signed reference never matches a tagged image after remapping');
  assert.match((await run({ ...base, identity_rule: 'matchSomething', expected: 'fail' })).line, /^FAIL cosign: cannot run the case: unknown identity_rule "matchSomething"/);
  assert.match((await run({ ...base, identity_rule: { type: 'exactReference' }, expected: 'fail' })).line, /identity_rule\.dockerReference is missing/);
});

test('an unknown kind, an unknown field, an unknown policy or trust field and network: true each fail the case by name', async () => {
  const unknownKind = await run({ id: 'k', kind: 'pgp detached signature', expected: 'fail' });
  assert.equal(unknownKind.line, 'FAIL k: cannot run the case: unknown kind "pgp detached signature": the runner has no verifier for it');
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'fail', severity: 'high' })).line, /^FAIL cosign: cannot run the case: unknown field "severity"/);
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'fail', trust: { key: 'k', tsa: 't' } })).line, /unknown trust field "tsa"/);
  assert.match((await run({ ...notationCase, expected: 'fail', policy: { ...notationCase.policy, revocation: 'skip' } })).line, /unknown policy field "revocation"/);
  assert.match((await run({ id: 'b', kind: 'sigstore-bundle', bundle: 'b.json', policy: { certificate_identity: 'a', certificate_oidc_issuer: 'b', certificate_sha: 'c' }, expected: 'fail' })).line, /unknown policy field "certificate_sha"/);
  assert.match((await run({ id: 'b', kind: 'sigstore-bundle', bundle: 'synthetic/absent.json', policy: { skip_identity: true }, expected: 'fail' })).line, /^FAIL b: cannot run the case: the file synthetic\/absent\.json does not exist/);
  const network = await run({ ...keyCase, signature: 'x', expected: 'fail', network: true });
  assert.match(network.line, /^FAIL cosign: cannot run the case: network: true/);
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'fail', network: 'no' })).line, /network is "no"/);
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'fail', at: 'yesterday' })).line, /at "yesterday" is not an RFC 3339 time/);
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'maybe' })).line, /cannot read expected "maybe"/);
  assert.match((await run({ ...keyCase, signature: 'x', expected: 'fail', trusted_root_note: 'a remark beside no trusted_root' })).line, /unknown field "trusted_root_note"/);
});

test('expected reads plain outcomes with notes, and for Notation one outcome per level; anything else is refused', () => {
  assert.deepEqual(parseExpected('pass (timestamp authentic)', true), { kind: 'plain', outcome: 'pass', note: 'timestamp authentic' });
  assert.deepEqual(parseExpected('fail', false), { kind: 'plain', outcome: 'fail', note: null });
  const levels = parseExpected('fail (strict) / logged (permissive, audit)', true);
  assert.equal(levels.kind, 'levels');
  assert.deepEqual(levels.kind === 'levels' ? [...levels.levels] : [], [['strict', 'fail'], ['permissive', 'logged'], ['audit', 'logged']]);
  assert.equal(parseExpected('pass (strict)', true).kind, 'levels');
  assert.throws(() => parseExpected('fail (strict) / logged (permissive, audit)', false), CaseError);
  assert.throws(() => parseExpected('fail (strict) / logged (lenient)', true), /LEVEL one of/);
  assert.throws(() => parseExpected('fail (strict) / pass (strict)', true), /names the level strict twice/);
  assert.throws(() => parseExpected('logged', true), CaseError);
});

test('each Notation level named is run and compared: a logged failure is not a plain pass', fixtures, async () => {
  const right = await run({ ...notationCase, expected: 'fail (strict) / logged (permissive, audit)' });
  assert.equal(right.ok, true, right.line);
  const wrong = await run({ ...notationCase, expected: 'fail (strict) / pass (permissive)' });
  assert.equal(wrong.ok, false);
  assert.match(wrong.line, /permissive expected pass, got logged/);
  assert.equal((await run({ ...notationCase, expected: 'logged (strict)' })).ok, false);
  assert.match((await run({ ...notationCase, policy: { ...notationCase.policy, trust_stores: ['ca:notation-go/verifier/truststore/x509/ca/valid-trust-store'] }, expected: 'fail' })).line, /names the signingAuthority store valid-trust-store/);
});

test('a timestamp_token is placed in a JWS envelope that lacks one, and the envelope then verifies', fixtures, async () => {
  const original = JSON.parse(await readFile(join(shared, 'notation-go/verifier/timestamp/sigEnv/jwsWithTimestamp.sig'), 'utf8')) as { header: Record<string, unknown> };
  const token = Buffer.from(String(original.header['io.cncf.notary.timestampSignature']), 'base64');
  delete original.header['io.cncf.notary.timestampSignature'];
  await writeFile(join(data, 'synthetic/jws-no-timestamp.sig'), JSON.stringify(original));
  await writeFile(join(data, 'synthetic/token.tst'), token);
  const base = { id: 'ts', kind: TIMESTAMP, envelope: 'synthetic/jws-no-timestamp.sig', policy: { trust_stores: ['ca:notation-go/verifier/truststore/x509/ca/valid-trust-store', 'tsa:notation-go/verifier/truststore/x509/tsa/test-timestamp'], verifyTimestamp: 'always' } };
  assert.match((await run({ ...base, expected: 'pass' })).line, /^FAIL ts: expected pass, got fail: .*carries no timestamp countersignature/);
  const stamped = await run({ ...base, timestamp_token: 'synthetic/token.tst', expected: 'pass' });
  assert.equal(stamped.ok, true, stamped.line);
});

test('a timestamp_token replaces the one a COSE envelope carries, keeping the signed bytes', fixtures, async () => {
  const envelope = await readFile(join(shared, 'notation-go/verifier/timestamp/sigEnv/coseExpiredWithTimestamp.sig'));
  const decoded = decodeCbor(envelope) as { tag: number; value: CborValue[] };
  const token = (decoded.value[1] as Map<CborValue, CborValue>).get('io.cncf.notary.timestampSignature') as Buffer;
  const tsa = await readTrustStore(join(shared, 'notation-go/verifier/truststore/x509/tsa/test-timestamp'));
  const trust = { ca: [], signingAuthority: [], tsa, tsaConfigured: true, trustedIdentities: [], level: 'strict' as const };
  const check = (bytes: Buffer) => verifyNotationEnvelope(bytes, trust).checks.find((c) => c.name === 'timestamp');
  const garbled = withTimestampToken(envelope, Buffer.from('3003020100', 'hex'));
  assert.equal(check(garbled)?.ok, false);
  const restored = withTimestampToken(garbled, token);
  assert.deepEqual(check(restored), check(envelope));
  assert.equal(check(envelope)?.ok, true);
});

test('a DSSE bundle without an artifact passes only as unbound; a message signature without one fails', fixtures, async () => {
  const bundle = { id: 'dsse', kind: 'sigstore-bundle', bundle: 'sigstore-js/bundles/bundleV03-dsse.sigstore', artifact: null, trusted_root: 'sigstore-root-signing/targets/trusted_root.json', policy: { certificate_identity: 'brian@dehamer.com', certificate_oidc_issuer: 'https://github.com/login/oauth' } };
  const unbound = await run({ ...bundle, expected: 'pass' });
  assert.equal(unbound.ok, true, unbound.line);
  assert.match(unbound.line, /^ok {3}dsse: pass \(unbound\): /);
  assert.equal((await run({ ...bundle, expected: 'fail' })).ok, false);
  assert.equal((await run({ ...bundle, policy: { ...bundle.policy, certificate_identity: 'someone@else.example' }, expected: 'pass' })).ok, false);
  const message = { ...bundle, id: 'msg', bundle: 'sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json', policy: { skip_identity: true }, expected: 'pass' };
  assert.match((await run(message)).line, /^FAIL msg: expected pass, got fail/);
  assert.match((await run({ ...message, artifact_digest: 'sha256:abc' })).line, /artifact_digest "sha256:abc" is not/);
  assert.match((await run({ ...message, artifact: 'sigstore-conformance/bundle-verify/a.txt', artifact_modes: ['path', 'bytes'] })).line, /unknown artifact mode "bytes"/);
  const text = await readFile(join(shared, 'sigstore-conformance/bundle-verify/a.txt'), 'utf8');
  assert.equal((await run({ ...message, artifact_text: text, artifact_modes: ['path', 'sha256-digest'] })).ok, true);
});

test('an OCI image attestation must carry the image digest in its statement subject, besides any artifact given', fixtures, async () => {
  const attestation = {
    id: 'oci',
    kind: 'oci-image-attestation (sigstore bundle v0.3 via OCI referrers)',
    bundle: 'sigstore-conformance/bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json',
    trusted_root: 'sigstore-root-signing/targets/trusted_root.json',
    policy: { certificate_identity: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main', certificate_oidc_issuer: 'https://token.actions.githubusercontent.com' },
    image_digest: 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
    expected: 'pass',
  };
  const bound = await run(attestation);
  assert.equal(bound.ok, true, bound.line);
  const other = await run({ ...attestation, image_digest: `sha256:${'ab'.repeat(32)}` });
  assert.match(other.line, /^FAIL oci: expected pass, got fail: .*As an attestation of the image sha256:abab/);
  const withArtifact = await run({ ...attestation, image_digest: `sha256:${'ab'.repeat(32)}`, artifact: 'sigstore-conformance/bundle-verify/a.txt' });
  assert.equal(withArtifact.ok, false, 'a matching artifact does not excuse a wrong image digest');
  assert.match((await run({ ...attestation, image_digest: undefined })).line, /image_digest is missing/);
  assert.match((await run({ ...attestation, artifact_modes: ['path'] })).line, /gives no artifact to present/);
});

test('TUF targets signed by the root targets role list the target with its length and hashes; an edited target or expired targets fail', async () => {
  const keys = [tufKey(), tufKey()];
  const target = Buffer.from('{"mediaType":"trusted root"}');
  await writeFile(join(data, 'synthetic/root.json'), JSON.stringify(tufRoot(keys, 2)));
  await writeFile(join(data, 'synthetic/targets.json'), JSON.stringify(tufTargets({ 'trusted_root.json': target }, keys, '2027-01-01T00:00:00Z')));
  await writeFile(join(data, 'synthetic/trusted_root.json'), target);
  await writeFile(join(data, 'synthetic/edited.json'), Buffer.concat([target, Buffer.from(' ')]));
  const tuf = { id: 'tuf', kind: 'TUF metadata', files: { root: 'synthetic/root.json', targets: 'synthetic/targets.json', target_name: 'trusted_root.json', target_file: 'synthetic/trusted_root.json' }, at: '2026-06-01T00:00:00Z', expected: 'pass' };
  const good = await run(tuf);
  assert.equal(good.ok, true, good.line);
  assert.equal((await run({ ...tuf, files: { ...tuf.files, target_file: 'synthetic/edited.json' } })).ok, false);
  assert.match((await run({ ...tuf, at: '2027-06-01T00:00:00Z' })).line, /expired on 2027-01-01/);
  assert.match((await run({ ...tuf, files: { ...tuf.files, mirror: 'x' } })).line, /unknown files field "mirror"/);
  assert.match((await run({ ...tuf, files: 'root_history/1-3.json' })).line, /is not DIR\/N\.\.M\.root\.json/);
});

test('a folder of cases prints one line each and the totals', async () => {
  const cases = [{ id: 'a', kind: 'none', expected: 'pass' }, 7];
  await writeFile(join(folder, 'cases.json'), JSON.stringify({ cases }));
  const lines: string[] = [];
  assert.deepEqual(await runCaseFolder(folder, (line) => lines.push(line)), { passed: 0, failed: 2 });
  assert.deepEqual(lines, ['FAIL a: cannot run the case: unknown kind "none": the runner has no verifier for it', 'FAIL (case 2): cannot run the case: the case is not a JSON object', '0 passed, 2 failed']);
});
