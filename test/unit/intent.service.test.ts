import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askHost, IntentService, type IntentPayloads } from '../../main/intents/intent.service.ts';
import { SignetError } from '../../main/errors.ts';
import type { ConfirmationRequest, ConfirmationService } from '../../main/confirm/confirmation.types.ts';

const facts = [
  { label: 'Digest', value: 'sha256:aaaa' },
  { label: 'Key', value: 'SHA256:bbbb' },
];

class Answer implements ConfirmationService {
  readonly asked: ConfirmationRequest[] = [];
  private readonly yes: boolean;
  constructor(yes: boolean) {
    this.yes = yes;
  }
  async confirm(request: ConfirmationRequest) {
    this.asked.push(request);
    return this.yes;
  }
}

function code(error: unknown): string {
  return error instanceof SignetError ? error.code : 'not a SignetError';
}

/** An approver that can change while one intent is pending, as a host's channel could come and go. */
function switchable(approver: ConfirmationService | null) {
  const holder = { approver };
  return { holder, policy: { approverFor: () => holder.approver } };
}

const order: IntentPayloads['sign'] = { reference: 'registry.example/app:v1', insecure: false, keyId: 'k', format: 'cosign', annotations: {}, timestamp: false, pins: [], targets: [], bulk: false };
const backup: IntentPayloads['backup'] = { outputDir: '/backups', unlock: { kind: 'passphrase' } };
const revoke: IntentPayloads['revoke'] = { action: 'revoke', keyId: 'k', reason: 'superseded', invalidSince: '2026-01-01T00:00:00Z' };
const spend = (spent: typeof facts) => ({ doing: 'sign', recheck: () => ({ facts: spent, state: null }) });

test('an intent runs once, after confirmation, with the exact confirmed facts', async () => {
  const answer = new Answer(true);
  const intents = new IntentService({ host: 'cli', policy: askHost(answer) });
  const intent = intents.issue({ action: 'sign', title: 'Sign image', facts, payload: order });
  const confirmed = await intents.confirm(intent.id, ['sign'], spend(facts));
  assert.deepEqual(answer.asked[0]?.facts, facts, 'the person sees the intent facts');
  assert.deepEqual(confirmed.payload, order, 'the confirm step gets the payload of its action');
  assert.equal(confirmed.host, 'cli');
  await assert.rejects(intents.confirm(intent.id, ['sign'], spend(facts)), (e) => code(e) === 'Conflict', 'replay refused');
  assert.equal(answer.asked.length, 1, 'a replay asks nobody');
});

test('an unconfirmed, declined, unknown or expired intent is refused', async () => {
  let now = 1_000_000;
  const intents = new IntentService({ host: 'cli', policy: askHost(new Answer(false)), now: () => now });
  const declined = intents.issue({ action: 'sign', title: 'Sign', facts, payload: order });
  await assert.rejects(intents.confirm(declined.id, ['sign'], spend(facts)), (e) => code(e) === 'Cancelled');
  await assert.rejects(intents.confirm(declined.id, ['sign'], spend(facts)), (e) => code(e) === 'Unauthorized');
  await assert.rejects(intents.confirm('made-up', ['sign'], spend(facts)), (e) => code(e) === 'Unauthorized');
  const yes = new IntentService({ host: 'cli', policy: askHost(new Answer(true)), now: () => now });
  const late = yes.issue({ action: 'revoke', title: 'Revoke', facts, payload: revoke });
  const expiresWhileChecked = { doing: 'revoke', recheck: () => ((now += 120_001), { facts, state: null }) };
  await assert.rejects(yes.confirm(late.id, ['revoke'], expiresWhileChecked), (e) => code(e) === 'Expired');
  const unspent = yes.issue({ action: 'sign', title: 'Sign', facts, payload: order });
  const failing = { doing: 'sign', recheck: () => Promise.reject(new SignetError('Conflict', 'the tag moved')) };
  await assert.rejects(yes.confirm(unspent.id, ['sign'], failing), (e) => code(e) === 'Conflict');
  await assert.rejects(yes.confirm(unspent.id, ['sign'], spend(facts)), (e) => code(e) === 'Conflict', 'a confirmed intent whose recheck failed is not confirmed again');
});

test('a confirmed intent cannot be spent on other content or another action', async () => {
  const answer = new Answer(true);
  const intents = new IntentService({ host: 'cli', policy: askHost(answer) });
  const intent = intents.issue({ action: 'sign', title: 'Sign', facts, payload: order });
  await assert.rejects(intents.confirm(intent.id, ['destroy'], { doing: 'destroy keys', recheck: () => ({ facts, state: null }) }), (e) => code(e) === 'Forbidden');
  const moved = [{ label: 'Digest', value: 'sha256:cccc' }, facts[1]!];
  await assert.rejects(intents.confirm(intent.id, ['sign'], spend(moved)), (e) => code(e) === 'Conflict');
  const other = intents.issue({ action: 'sign', title: 'Sign', facts, payload: order });
  await intents.confirm(other.id, ['sign'], spend(facts));
  assert.equal(answer.asked.length, 2, 'the refused action asked nobody');
});

test('a confirmed operation needs a host that can ask and an intent issued for that operation; a refusal asks nobody', async () => {
  const { holder, policy } = switchable(null);
  const intents = new IntentService({ host: 'cli', policy });
  const intent = intents.issue({ action: 'backup', title: 'Back up', facts, payload: backup });
  const answer = new Answer(true);
  const step = { doing: 'make backups', recheck: () => ({ facts, state: 'planned' }) };
  await assert.rejects(intents.confirm(intent.id, ['backup'], step), (e) => code(e) === 'Unavailable' && /cannot make backups/.test((e as Error).message));
  holder.approver = answer;
  await assert.rejects(intents.confirm(intent.id, ['sign'], { ...step, doing: 'sign' }), (e) => code(e) === 'Forbidden' && /issued for backup, not to sign/.test((e as Error).message));
  assert.equal(answer.asked.length, 0, 'nobody was asked');
  const confirmed = await intents.confirm(intent.id, ['backup'], step);
  assert.equal(confirmed.id, intent.id);
  assert.equal(confirmed.state, 'planned', 'what the recheck read comes back with the intent');
  assert.equal(answer.asked.length, 1);
});

test('a precheck refuses before anyone is asked, and the policy names who is asked for each action', async () => {
  const everyday = new Answer(true);
  const own = new Answer(true);
  const intents = new IntentService({ host: 'web', policy: askHost(everyday, { settings: own }) });
  const change = intents.issue({ action: 'settings', title: 'Change', facts, payload: { toolDirs: ['/opt/tools'] } });
  const refuse = { doing: 'change settings', precheck: () => Promise.reject(new SignetError('BadInput', 'type the label')), recheck: () => ({ facts, state: null }) };
  await assert.rejects(intents.confirm(change.id, ['settings'], refuse), (e) => code(e) === 'BadInput');
  assert.equal(everyday.asked.length + own.asked.length, 0, 'a precheck refusal asks nobody');
  const confirmed = await intents.confirm(change.id, ['settings'], { doing: 'change settings', recheck: () => ({ facts, state: null }) });
  assert.deepEqual(confirmed.payload, { toolDirs: ['/opt/tools'] });
  assert.equal(own.asked.length, 1, 'protected settings are asked through their own channel');
  assert.equal(everyday.asked.length, 0);
  const none = new IntentService({ host: 'web', policy: askHost(everyday, { settings: null }) });
  const refused = none.issue({ action: 'settings', title: 'Change', facts, payload: { toolDirs: ['/opt/tools'] } });
  await assert.rejects(none.confirm(refused.id, ['settings'], { doing: 'change settings', unavailable: 'No channel of its own.', recheck: () => ({ facts, state: null }) }), (e) => code(e) === 'Unavailable' && (e as Error).message === 'No channel of its own.');
});
