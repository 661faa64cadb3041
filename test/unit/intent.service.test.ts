import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntentService } from '../../main/intents/intent.service.ts';
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

test('an intent runs once, after confirmation, with the exact confirmed facts', async () => {
  const intents = new IntentService();
  const intent = intents.issue({ action: 'sign', title: 'Sign image', facts });
  const answer = new Answer(true);
  await intents.confirm(intent.id, answer);
  assert.deepEqual(answer.asked[0]?.facts, facts, 'the person sees the intent facts');
  intents.consume(intent.id, 'sign', facts);
  assert.throws(() => intents.consume(intent.id, 'sign', facts), (e) => code(e) === 'Conflict', 'replay refused');
});

test('an unconfirmed, declined, unknown or expired intent is refused', async () => {
  let now = 1_000_000;
  const intents = new IntentService(() => now);
  const unconfirmed = intents.issue({ action: 'sign', title: 'Sign', facts });
  assert.throws(() => intents.consume(unconfirmed.id, 'sign', facts), (e) => code(e) === 'Unauthorized');
  const declined = intents.issue({ action: 'sign', title: 'Sign', facts });
  await assert.rejects(intents.confirm(declined.id, new Answer(false)), (e) => code(e) === 'Cancelled');
  assert.throws(() => intents.consume(declined.id, 'sign', facts), (e) => code(e) === 'Unauthorized');
  assert.throws(() => intents.consume('made-up', 'sign', facts), (e) => code(e) === 'Unauthorized');
  const late = intents.issue({ action: 'revoke', title: 'Revoke', facts });
  await intents.confirm(late.id, new Answer(true));
  now += 120_001;
  assert.throws(() => intents.consume(late.id, 'revoke', facts), (e) => code(e) === 'Expired');
});

test('a confirmed intent cannot be spent on other content or another action', async () => {
  const intents = new IntentService();
  const intent = intents.issue({ action: 'sign', title: 'Sign', facts });
  await intents.confirm(intent.id, new Answer(true));
  const moved = [{ label: 'Digest', value: 'sha256:cccc' }, facts[1]!];
  assert.throws(() => intents.consume(intent.id, 'sign', moved), (e) => code(e) === 'Conflict');
  assert.throws(() => intents.consume(intent.id, 'destroy', facts), (e) => code(e) === 'Forbidden');
  intents.consume(intent.id, 'sign', facts);
});

test('a confirmed operation needs a host that can ask and an intent issued for that operation; a refusal asks nobody', async () => {
  const intents = new IntentService();
  const intent = intents.issue({ action: 'backup', title: 'Back up', facts });
  const answer = new Answer(true);
  await assert.rejects(intents.confirmAction(intent.id, 'backup', null, 'make backups'), (e) => code(e) === 'Unavailable' && /cannot make backups/.test((e as Error).message));
  await assert.rejects(intents.confirmAction(intent.id, 'sign', answer, 'sign'), (e) => code(e) === 'Forbidden' && /issued for backup, not to sign/.test((e as Error).message));
  assert.equal(answer.asked.length, 0, 'nobody was asked');
  const confirmed = await intents.confirmAction(intent.id, 'backup', answer, 'make backups');
  assert.equal(confirmed.id, intent.id);
  assert.equal(answer.asked.length, 1);
  intents.consume(intent.id, 'backup', facts);
});
