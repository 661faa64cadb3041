import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftHsmTokens } from '../../main/keys/softhsm-token.service.ts';
import type { AuditRecord } from '../../main/audit/audit.log.ts';
import type { Pkcs11ModuleReport } from '../../main/platform/pkcs11.types.ts';
import { TrustFileStore } from '../../main/trust/trust-file.store.ts';
import { askHost, IntentService } from '../../main/intents/intent.service.ts';
import { createHash } from 'node:crypto';
import { SignetError } from '../../main/errors.ts';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';

function token(label: string) {
  const flags = { initialized: true, loginRequired: true, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, soPinLocked: false, writeProtected: false };
  return { slotId: '1', description: '', manufacturer: '', tokenPresent: true, removable: false, hardware: false, token: { label, manufacturer: '', model: '', serial: '1', ...flags } };
}

// A token maker over a module that records what it was asked, with answers typed at a prompt in turn.
async function maker(answers: (string | null)[], existing: string[] = []) {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-token-'));
  const inits: string[][] = [];
  const audited: AuditRecord[] = [];
  const asked: string[] = [];
  const env: NodeJS.ProcessEnv = {};
  const report: Pkcs11ModuleReport = { library: null, slots: existing.map(token) };
  const tokens = new SoftHsmTokens({
    dataDir,
    env,
    systemConf: join(dataDir, 'no-system-softhsm.conf'),
    findModule: async () => MODULE,
    pkcs11: { inspect: async () => report, initToken: async (...args) => void inits.push(args) },
    audit: { append: async (record) => (audited.push(record), { ...record, seq: 1, time: '', prev: '', hash: '' }) },
    prompt: async (_selector, operation) => {
      asked.push(operation ?? '');
      return answers.shift() ?? null;
    },
  });
  return { tokens, dataDir, inits, audited, asked, env };
}

test('a token is made with PINs asked twice each in main’s prompt, in Signet’s own SoftHSM store, and audit-logged', async () => {
  const { tokens, dataDir, inits, audited, asked, env } = await maker(['so-secret', 'so-secret', 'user-secret', 'user-secret']);
  assert.deepEqual(await tokens.create(' first ', 'web'), { modulePath: MODULE, tokenLabel: 'first' });
  assert.deepEqual(inits, [[MODULE, 'first', 'so-secret', 'user-secret']]);
  assert.equal(asked.length, 4);
  assert.match(asked[0]!, /Make SoftHSM token "first": choose its security officer \(SO\) PIN/);
  assert.equal(env.SOFTHSM2_CONF, join(dataDir, 'softhsm', 'softhsm2.conf'));
  assert.match(await readFile(env.SOFTHSM2_CONF, 'utf8'), new RegExp(`directories.tokendir = ${join(dataDir, 'softhsm', 'tokens')}`));
  assert.equal((await stat(env.SOFTHSM2_CONF)).mode & 0o777, 0o600);
  assert.deepEqual(audited.map((r) => [r.action, r.subject, r.host]), [['token.create', 'first', 'web']]);
  assert.ok(!JSON.stringify(audited).includes('secret'), 'no PIN is logged');
});

test('differing PINs, no PIN, a short PIN or a taken label make no token', async () => {
  const cases: [(string | null)[], string[], string][] = [
    [['so-secret', 'so-other'], [], 'BadInput'],
    [[null], [], 'Cancelled'],
    [['abc'], [], 'BadInput'],
    [['so-secret', 'so-secret', 'user-secret', 'user-secret'], ['first'], 'Conflict'],
  ];
  for (const [answers, existing, code] of cases) {
    const { tokens, inits, audited } = await maker(answers, existing);
    await assert.rejects(tokens.create('first', 'cli'), (error: unknown) => error instanceof SignetError && error.code === code);
    assert.equal(inits.length + audited.length, 0, code);
  }
});

test('a host that cannot ask for PINs makes no token', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-token-'));
  const tokens = new SoftHsmTokens({ dataDir, env: {}, prompt: null, findModule: async () => MODULE, pkcs11: { inspect: async () => ({ library: null, slots: [] }), initToken: async () => undefined }, audit: { append: async () => assert.fail('nothing is logged') } });
  await assert.rejects(tokens.create('first', 'web'), (error: unknown) => error instanceof SignetError && error.code === 'Unavailable');
});

test('a trust file chosen in the page is kept under the data folder only after a confirmation the page cannot answer; what is not PEM or DER is refused', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-trust-file-'));
  const pem = Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
  const asked: string[][] = [];
  const answering = (yes: boolean) => ({ confirm: async (request: { facts: { label: string; value: string }[] }) => (asked.push(request.facts.map((f) => `${f.label}: ${f.value}`)), yes) });
  const store = (channel: ReturnType<typeof answering> | null) => new TrustFileStore(dataDir, new IntentService({ host: 'web', policy: askHost(answering(true), { 'trust-file': channel }) }));
  const path = await store(answering(true)).store('../../etc/team key.pub', pem);
  assert.match(path, new RegExp(`^${join(dataDir, 'trust-files')}/[0-9a-f]{12}-team_key\\.pub$`));
  assert.deepEqual(await readFile(path), pem);
  assert.deepEqual(asked[0], ['File: team_key.pub', 'Kind: PEM (public key)', `SHA-256: ${createHash('sha256').update(pem).digest('hex')}`]);
  const other = Buffer.from('-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n');
  await assert.rejects(store(answering(false)).store('declined.pub', other), (error: unknown) => error instanceof SignetError && error.code === 'Cancelled');
  await assert.rejects(store(null).store('nobody.pub', other), (error: unknown) => error instanceof SignetError && error.code === 'Unavailable');
  assert.deepEqual((await readdir(join(dataDir, 'trust-files'))).length, 1, 'a file nobody confirmed is never written');
  await assert.rejects(store(answering(true)).store('notes.txt', Buffer.from('hello')), (error: unknown) => error instanceof SignetError && error.code === 'BadInput');
});

test("Signet's own SoftHSM store is made only when the system store holds no tokens this user can read, so no token is hidden", async () => {
  const { ensureSoftHsmConfig, signetSoftHsmConfig } = await import('../../main/platform/softhsm-config.ts');
  const system = await mkdtemp(join(tmpdir(), 'signet-system-softhsm-'));
  const systemConf = join(system, 'softhsm2.conf');
  await writeFile(systemConf, `directories.tokendir = ${join(system, 'tokens')}\n`);
  await mkdir(join(system, 'tokens', 'a-token'), { recursive: true });
  const withTokens = await mkdtemp(join(tmpdir(), 'signet-softhsm-home-'));
  const env: NodeJS.ProcessEnv = {};
  assert.equal(await ensureSoftHsmConfig(withTokens, env, systemConf), systemConf);
  assert.equal(env.SOFTHSM2_CONF, undefined, 'the process keeps reading the system store');
  assert.equal(existsSync(signetSoftHsmConfig(withTokens).conf), false);
  await rm(join(system, 'tokens', 'a-token'), { recursive: true });
  const empty = await mkdtemp(join(tmpdir(), 'signet-softhsm-home-'));
  assert.equal(await ensureSoftHsmConfig(empty, env, systemConf), signetSoftHsmConfig(empty).conf);
  assert.equal(env.SOFTHSM2_CONF, signetSoftHsmConfig(empty).conf);
});
