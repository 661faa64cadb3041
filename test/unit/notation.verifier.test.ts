import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { verifyNotationEnvelope, type NotationTrust } from '../../main/signatures/notation.verifier.ts';

const base = resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'notation-go');
const missing = existsSync(base) ? false : `the Notation fixtures are not at ${base} (set SIGNET_ACCEPTANCE_DIR)`;
if (missing) console.log(`Notation tests skipped: ${missing}`);
const digest = 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e';

async function trust(overrides: Partial<NotationTrust> = {}): Promise<NotationTrust> {
  const root = new X509Certificate(await readFile(join(base, 'verifier/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem')));
  return { ca: [root], signingAuthority: [], tsa: [], trustedIdentities: ['x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US'], level: 'strict', ...overrides };
}

test('Notation: a changed payload, an untrusted identity, another artifact and an empty trust store each fail for their own reason', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'envelopes/ca_valid_sig_env.json'));
  assert.equal(verifyNotationEnvelope(envelope, await trust(), { artifactDigest: digest }).verdict, 'verified');
  const jws = JSON.parse(envelope.toString()) as { payload: string };
  const payload = JSON.parse(Buffer.from(jws.payload, 'base64url').toString()) as { targetArtifact: { size: number } };
  payload.targetArtifact.size += 1;
  const tampered = Buffer.from(JSON.stringify({ ...jws, payload: Buffer.from(JSON.stringify(payload)).toString('base64url') }));
  assert.match(verifyNotationEnvelope(tampered, await trust()).reason, /does not verify/);
  const stranger = verifyNotationEnvelope(envelope, await trust({ trustedIdentities: ['x509.subject:CN=Someone Else,O=Elsewhere'] }));
  assert.equal(stranger.verdict, 'untrusted');
  assert.match(stranger.reason, /not among the trusted identities/);
  assert.match(verifyNotationEnvelope(envelope, await trust(), { artifactDigest: `sha256:${'0'.repeat(64)}` }).reason, /not sha256:0000/);
  assert.match(verifyNotationEnvelope(envelope, await trust({ ca: [] })).reason, /No trust store/);
});

test('Notation levels: an expired signature fails at strict and is only logged at permissive and audit', { skip: missing }, async () => {
  const envelope = await readFile(join(base, 'envelopes/ca_expired_sig_env.json'));
  assert.equal(verifyNotationEnvelope(envelope, await trust()).verdict, 'failed');
  for (const level of ['permissive', 'audit'] as const) {
    const result = verifyNotationEnvelope(envelope, await trust({ level }));
    assert.equal(result.verdict, 'verified', level);
    assert.match(result.reason, /logged: The signature expired/);
  }
});
