import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifySigstoreBundle } from '../../main/signatures/sigstore-bundle.verifier.ts';
import { publicGoodTrustedRoot } from '../../main/trust/public-good.ts';
import { cosignTrustFromTrustedRoot } from '../../main/signatures/trusted-root.ts';

const conformance = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'sigstore-conformance', 'bundle-verify');
const missing = existsSync(conformance) ? false : `the sigstore conformance bundles are not at ${conformance} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`public-good bundle check skipped: ${missing}`);

test('the shipped public-good root names Rekor, Fulcio and the timestamp authority, and yields cosign trust', async () => {
  const root = (await publicGoodTrustedRoot()) as { tlogs: { baseUrl: string }[]; certificateAuthorities: { uri: string }[]; timestampAuthorities: { uri: string }[] };
  assert.ok(root.tlogs.some((t) => t.baseUrl === 'https://rekor.sigstore.dev'));
  assert.ok(root.certificateAuthorities.some((c) => c.uri === 'https://fulcio.sigstore.dev'));
  assert.ok(root.timestampAuthorities.length > 0);
  const trust = cosignTrustFromTrustedRoot(root);
  assert.ok(trust.rekorKeys.length >= 1 && trust.roots.length >= 1 && trust.tsa.length >= 1);
  assert.ok(trust.roots.every((c) => c.ca && c.checkIssued(c)), 'the Fulcio anchors are self-issued CA certificates');
});

test('a real public-good bundle verifies offline with the shipped root, and not for another identity', { skip: missing }, async () => {
  const bundle = JSON.parse(await readFile(resolve(conformance, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8')) as unknown;
  const bytes = await readFile(resolve(conformance, 'a.txt'));
  const issuer = 'https://token.actions.githubusercontent.com';
  const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const root = await publicGoodTrustedRoot();
  const good = verifySigstoreBundle(bundle, { bytes }, root, { identity, issuer });
  assert.equal(good.verdict, 'verified', good.reason);
  const wrong = verifySigstoreBundle(bundle, { bytes }, root, { identity: 'someone@example.com', issuer });
  assert.notEqual(wrong.verdict, 'verified');
  const tampered = verifySigstoreBundle(bundle, { bytes: Buffer.concat([bytes, Buffer.from('!')]) }, root, { identity, issuer });
  assert.equal(tampered.verdict, 'failed', tampered.reason);
});
