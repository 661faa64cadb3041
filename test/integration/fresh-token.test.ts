import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyAlgorithm } from '../../shared/model/keys.model.ts';
import type { DrillKey } from '../../main/recovery/drill.runner.ts';
import { drillOnFreshSoftHsm, type FreshTokenRequest } from '../../main/recovery/fresh-token.drill.ts';
import { runAsChildProcess } from '../../main/platform/script-runner.ts';
import { utilityProcessRunner } from '../../main/electron/utility-process.runner.ts';
import { SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';
import { forkLikeUtilityProcess } from '../support/utility-fork.ts';

const KEY_SHAPES: Record<KeyAlgorithm, () => ReturnType<typeof generateKeyPairSync>> = {
  'ecdsa-p256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'ecdsa-p384': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ed25519: () => generateKeyPairSync('ed25519'),
  'rsa-3072': () => generateKeyPairSync('rsa', { modulusLength: 3072 }),
  'rsa-4096': () => generateKeyPairSync('rsa', { modulusLength: 4096 }),
};

function ownKey(algorithm: KeyAlgorithm): DrillKey {
  const pair = KEY_SHAPES[algorithm]();
  return { keyId: `key_${algorithm.replace('-', '')}`, label: algorithm, algorithm, privateKey: pair.privateKey, publishedPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

const drillFolders = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('signet-drill-token-'));

test('every algorithm is placed on a fresh SoftHSM token in a process of its own, signs there, and verifies; the token and its folder are gone afterwards', async () => {
  const before = await drillFolders();
  const keys = (Object.keys(KEY_SHAPES) as KeyAlgorithm[]).map(ownKey);
  const drill = await drillOnFreshSoftHsm(keys, SOFTHSM_MODULE, runAsChildProcess);
  assert.match(drill.summary, /^A fresh SoftHSM token "signet-drill-[0-9a-f]{8}" \(serial \w+\)/, drill.summary);
  for (const key of keys) {
    const outcome = drill.outcomes.get(key.keyId);
    assert.equal(outcome?.passed, true, `${key.algorithm}: ${outcome?.reason}`);
    assert.match(outcome.reason, /signed there too, and that signature verifies/);
  }
  assert.deepEqual(await drillFolders(), before, "the drill's token folder was deleted");
});

test('in the packaged app the drill process is a utility process: the request goes in as a message, not on stdin', async () => {
  const before = await drillFolders();
  const key = ownKey('ecdsa-p256');
  const drill = await drillOnFreshSoftHsm([key], SOFTHSM_MODULE, utilityProcessRunner(forkLikeUtilityProcess));
  assert.match(drill.summary, /^A fresh SoftHSM token "signet-drill-[0-9a-f]{8}"/, drill.summary);
  assert.equal(drill.outcomes.get(key.keyId)?.passed, true, drill.outcomes.get(key.keyId)?.reason);
  assert.deepEqual(await drillFolders(), before, "the drill's token folder was deleted");
});

test('a backed-up key that is not the published one fails on the fresh token, with the reason', async () => {
  const other = KEY_SHAPES['ecdsa-p256']();
  const drill = await drillOnFreshSoftHsm([{ ...ownKey('ecdsa-p256'), publishedPem: other.publicKey.export({ type: 'spki', format: 'pem' }) as string }], SOFTHSM_MODULE, runAsChildProcess);
  const outcome = [...drill.outcomes.values()][0];
  assert.equal(outcome?.passed, false);
  assert.match(outcome.reason, /does not verify with the published public key/);
});

test('without SoftHSM, or without a published key, no fresh token is made and the drill says why', async () => {
  const missing = await drillOnFreshSoftHsm([ownKey('ecdsa-p256')], null, runAsChildProcess);
  assert.equal(missing.outcomes.size, 0);
  assert.match(missing.summary, /SoftHSM is not installed here/);
  const unpublished = await drillOnFreshSoftHsm([{ ...ownKey('ecdsa-p256'), publishedPem: null }], SOFTHSM_MODULE, runAsChildProcess);
  assert.equal(unpublished.outcomes.size, 0);
  assert.match(unpublished.summary, /No software key of the backup has a published public key/);
  assert.match((await drillOnFreshSoftHsm([], SOFTHSM_MODULE, runAsChildProcess)).summary, /holds no software keys/);
});

test("the drill's process refuses to make a token anywhere but the folder made for it", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-fresh-token-test-'));
  try {
    const conf = join(dir, 'softhsm2.conf');
    await writeFile(conf, `directories.tokendir = ${join(dir, 'elsewhere')}\nobjectstore.backend = file\n`);
    const request: FreshTokenRequest = { modulePath: SOFTHSM_MODULE, tokenDir: join(dir, 'tokens'), tokenLabel: 'never-made', keys: [] };
    const worker = fileURLToPath(new URL('../../main/recovery/fresh-token.worker.ts', import.meta.url));
    const child = spawn(process.execPath, [worker], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end(JSON.stringify(request));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(JSON.parse(stdout).error, /names the token folder .*elsewhere, not the drill's own/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
