import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SignetError } from '../errors.ts';
import type { ConfirmationFact, ConfirmationService } from '../confirm/confirmation.types.ts';

export type IntentAction = 'sign' | 'rotate' | 'revoke' | 'destroy' | 'set-admin' | 'backup' | 'restore' | 'compromise' | 'settings';

export interface Intent {
  id: string;
  action: IntentAction;
  title: string;
  facts: ConfirmationFact[];
  /** The validated request the intent stands for; it never changes after issue. */
  payload: unknown;
  issuedAt: number;
  expiresAt: number;
}

export interface IntentRequest {
  action: IntentAction;
  title: string;
  facts: ConfirmationFact[];
  payload?: unknown;
  ttlMs?: number;
  /** What the confirmation says above the facts; by default that the action cannot be undone. */
  message?: string;
}

interface IntentRecord extends Intent {
  state: 'issued' | 'confirmed' | 'used';
  message: string | null;
}

export const DEFAULT_INTENT_TTL_MS = 120_000;

/**
 * Irreversible operations run only on a main-issued intent that a person confirmed through
 * main's own channel. An intent names exactly what will happen, is used once, and expires.
 */
export class IntentService {
  private readonly records = new Map<string, IntentRecord>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  // Fixes the exact facts (digests, key, destination) before anyone is asked.
  issue(request: IntentRequest): Intent {
    this.sweep();
    const issuedAt = this.now();
    const record: IntentRecord = {
      id: randomBytes(16).toString('base64url'),
      action: request.action,
      title: request.title,
      facts: request.facts.map((f) => ({ ...f })),
      payload: structuredClone(request.payload ?? null),
      issuedAt,
      expiresAt: issuedAt + (request.ttlMs ?? DEFAULT_INTENT_TTL_MS),
      state: 'issued',
      message: request.message ?? null,
    };
    this.records.set(record.id, record);
    return publicView(record);
  }

  // The person sees the intent's own facts, never words supplied by the caller.
  async confirm(id: string, confirmation: ConfirmationService): Promise<Intent> {
    const record = this.live(id);
    if (record.state !== 'issued') throw new SignetError('Conflict', 'This intent was already confirmed or used.');
    const approved = await confirmation.confirm({
      title: record.title,
      message: record.message ?? `Confirm ${record.action}? This cannot be undone.`,
      facts: record.facts,
      confirmLabel: record.action.charAt(0).toUpperCase() + record.action.slice(1),
    });
    const after = this.live(id);
    if (!approved) {
      this.records.delete(id);
      throw new SignetError('Cancelled', 'The confirmation was declined; nothing was done.');
    }
    if (after.state !== 'issued') throw new SignetError('Conflict', 'This intent was already confirmed or used.');
    after.state = 'confirmed';
    return publicView(after);
  }

  // Every confirmed operation starts the same way: a host that can ask, an intent issued for this action, and a yes.
  async confirmAction(id: string, action: IntentAction, confirmations: ConfirmationService | null, doing: string): Promise<Intent> {
    if (!confirmations) throw new SignetError('Unavailable', `This host has no way to ask for a confirmation, so it cannot ${doing}.`);
    const pending = this.peek(id);
    if (pending.action !== action) throw new SignetError('Forbidden', `This intent was issued for ${pending.action}, not to ${doing}.`);
    return this.confirm(id, confirmations);
  }

  // Spends the intent; the caller's facts must equal the confirmed ones, so an approval cannot be moved to other content.
  consume(id: string, action: IntentAction, facts: ConfirmationFact[]): Intent {
    const record = this.live(id);
    if (record.action !== action) throw new SignetError('Forbidden', `This intent was issued for ${record.action}, not ${action}.`);
    if (record.state === 'used') throw new SignetError('Conflict', 'This intent was already used; request a new one.');
    if (record.state !== 'confirmed') throw new SignetError('Unauthorized', 'This intent has not been confirmed.');
    if (!sameFacts(record.facts, facts)) {
      throw new SignetError('Conflict', 'What is about to happen differs from what was confirmed; nothing was done.');
    }
    record.state = 'used';
    return publicView(record);
  }

  // A person who backs out before confirming leaves nothing usable behind.
  discard(id: string): boolean {
    const record = this.records.get(id);
    if (!record || record.state !== 'issued') return false;
    this.records.delete(id);
    return true;
  }

  // Lets the confirm step read what the intent stands for before asking anyone.
  peek(id: string): Intent {
    return publicView(this.live(id));
  }

  private live(id: string): IntentRecord {
    const record = this.records.get(id);
    if (!record) throw new SignetError('Unauthorized', 'No such intent; request a new one.');
    if (this.now() >= record.expiresAt) {
      this.records.delete(id);
      throw new SignetError('Expired', 'This intent has expired; request a new one.');
    }
    return record;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, record] of this.records) {
      if (now >= record.expiresAt) this.records.delete(id);
    }
  }
}

function publicView(record: IntentRecord): Intent {
  return {
    id: record.id,
    action: record.action,
    title: record.title,
    facts: record.facts.map((f) => ({ ...f })),
    payload: structuredClone(record.payload),
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
  };
}

function sameFacts(a: ConfirmationFact[], b: ConfirmationFact[]): boolean {
  const encode = (facts: ConfirmationFact[]) => Buffer.from(JSON.stringify(facts.map((f) => [f.label, f.value])));
  const left = encode(a);
  const right = encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
