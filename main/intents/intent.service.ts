import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HostKind } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import type { ConfirmationFact, ConfirmationService } from '../confirm/confirmation.types.ts';

/**
 * What each action's intent stands for, by action: the validated request it was issued for.
 * Each capability adds its own actions where it defines their payloads
 * (`declare module '../intents/intent.service.ts' { interface IntentPayloads { ... } }`),
 * so this folder imports none of them and a new operation adds its action the same way.
 */
export interface IntentPayloads {} // eslint-disable-line @typescript-eslint/no-empty-object-type -- every member comes from the capability that owns it

export type IntentAction = keyof IntentPayloads;

/** An intent as main issued it: what the person is shown, and the payload of its action. */
export interface Intent<A extends IntentAction = IntentAction> {
  id: string;
  action: A;
  title: string;
  facts: ConfirmationFact[];
  /** The validated request the intent stands for; it never changes after issue. */
  payload: IntentPayloads[A];
  issuedAt: number;
  expiresAt: number;
}

/** What an operation asks main to issue: the facts to show and the payload of its action. */
export interface IntentRequest<A extends IntentAction> {
  action: A;
  title: string;
  facts: ConfirmationFact[];
  payload: IntentPayloads[A];
  ttlMs?: number;
  /** What the confirmation says above the facts; by default that the action cannot be undone. */
  message?: string;
  /** The word the person confirms with; by default the action's name. */
  confirmLabel?: string;
}

/**
 * Who may say yes to an intent. Today one confirmation channel per action; approvals by more than
 * one person, or a plugin's own check, take this place without changing any operation.
 */
export interface ConfirmPolicy {
  /** The channel that asks for this action, or null when nobody on this host can be asked. */
  approverFor(action: IntentAction): ConfirmationService | null;
}

/** How one operation goes through the confirm path. */
export interface ConfirmStep<A extends IntentAction, R> {
  /** What the operation does, for refusals: "sign", "make backups". */
  doing: string;
  /** The refusal when nobody can be asked; by default that this host cannot do it. */
  unavailable?: string;
  /** Runs on the intent as issued, before anyone is asked; a refusal here asks nobody. */
  precheck?: (intent: Intent<A>) => Promise<void> | void;
  /**
   * Runs after the yes: re-reads what the intent names and states the facts as they are now, with
   * whatever the operation needs from that reading. The intent is spent only if the facts equal those confirmed.
   */
  recheck: (intent: Intent<A>) => Promise<Rechecked<R>> | Rechecked<R>;
}

/** The facts as they stand after the yes, and what the operation read to state them. */
export interface Rechecked<R> {
  facts: ConfirmationFact[];
  state: R;
}

/** A confirmed and spent intent: its payload, what the recheck read, and the host it was confirmed on. */
export type ConfirmedIntent<A extends IntentAction, R> = Intent<A> & { state: R; host: HostKind };

/** What the composition root binds once: the host, who may say yes, and the clock. */
export interface IntentServiceOptions {
  /** The host this app runs in; every confirmed operation runs, and is recorded, as done through it. */
  host: HostKind;
  policy: ConfirmPolicy;
  now?: () => number;
}

interface IntentRecord<A extends IntentAction = IntentAction> extends Intent<A> {
  state: 'issued' | 'confirmed' | 'used';
  message: string | null;
  confirmLabel: string | null;
}

export const DEFAULT_INTENT_TTL_MS = 120_000;

// The hosts' policy: their own confirmation channel says yes to every action, except those that name another (protected settings: a channel the page never reaches).
export function askHost(confirmations: ConfirmationService | null, except: { [A in IntentAction]?: ConfirmationService | null } = {}): ConfirmPolicy {
  return { approverFor: (action) => (Object.hasOwn(except, action) ? (except[action] ?? null) : confirmations) };
}

/**
 * Irreversible operations run only on a main-issued intent that a person confirmed through
 * main's own channel. An intent names exactly what will happen, is used once, and expires.
 * Every operation confirms through the one path, `confirm`.
 */
export class IntentService {
  private readonly records = new Map<string, IntentRecord>();
  private readonly now: () => number;
  private readonly host: HostKind;
  private readonly policy: ConfirmPolicy;

  constructor(options: IntentServiceOptions) {
    this.now = options.now ?? Date.now;
    this.host = options.host;
    this.policy = options.policy;
  }

  // Fixes the exact facts (digests, key, destination) before anyone is asked.
  issue<A extends IntentAction>(request: IntentRequest<A>): Intent<A> {
    this.sweep();
    const issuedAt = this.now();
    const record: IntentRecord<A> = {
      id: randomBytes(16).toString('base64url'),
      action: request.action,
      title: request.title,
      facts: request.facts.map((f) => ({ ...f })),
      payload: structuredClone(request.payload),
      issuedAt,
      expiresAt: issuedAt + (request.ttlMs ?? DEFAULT_INTENT_TTL_MS),
      state: 'issued',
      message: request.message ?? null,
      confirmLabel: request.confirmLabel ?? null,
    };
    this.records.set(record.id, record);
    return publicView(record);
  }

  /**
   * The one confirm path: a host that can ask, an intent issued for one of these actions, the
   * step's own precheck, a yes from whoever the policy names, the step's recheck, and the intent
   * spent on facts equal to those confirmed, so an approval cannot be moved to other content.
   */
  async confirm<A extends IntentAction, R>(id: string, actions: readonly A[], step: ConfirmStep<A, R>): Promise<ConfirmedIntent<A, R>> {
    const unavailable = () => new SignetError('Unavailable', step.unavailable ?? `This host has no way to ask for a confirmation, so it cannot ${step.doing}.`);
    if (actions.every((action) => this.policy.approverFor(action) === null)) throw unavailable();
    const pending = this.live(id);
    if (!issuedFor(pending, actions)) throw new SignetError('Forbidden', `This intent was issued for ${pending.action}, not to ${step.doing}.`);
    const approver = this.policy.approverFor(pending.action);
    if (!approver) throw unavailable();
    await step.precheck?.(publicView(pending));
    const confirmed = await this.ask(pending, approver);
    const rechecked = await step.recheck(confirmed);
    const spent = this.consume(id, actions, rechecked.facts);
    return { ...spent, state: rechecked.state, host: this.host };
  }

  // A person who backs out before confirming leaves nothing usable behind.
  discard(id: string): boolean {
    const record = this.records.get(id);
    if (!record || record.state !== 'issued') return false;
    this.records.delete(id);
    return true;
  }

  // Whether the intent can still be confirmed or spent; state kept beside an intent is dropped once it is gone.
  isLive(id: string): boolean {
    try {
      this.live(id);
      return true;
    } catch {
      return false;
    }
  }

  // The person sees the intent's own facts, never words supplied by the caller.
  private async ask<A extends IntentAction>(record: IntentRecord<A>, approver: ConfirmationService): Promise<Intent<A>> {
    if (record.state !== 'issued') throw new SignetError('Conflict', 'This intent was already confirmed or used.');
    const approved = await approver.confirm({
      title: record.title,
      message: record.message ?? `Confirm ${record.action}? This cannot be undone.`,
      facts: record.facts,
      confirmLabel: record.confirmLabel ?? record.action.charAt(0).toUpperCase() + record.action.slice(1),
    });
    const after = this.live(record.id);
    if (!approved) {
      this.records.delete(record.id);
      throw new SignetError('Cancelled', 'The confirmation was declined; nothing was done.');
    }
    if (after.state !== 'issued') throw new SignetError('Conflict', 'This intent was already confirmed or used.');
    after.state = 'confirmed';
    return publicView(record);
  }

  // Spends the intent; the facts as they are now must equal the confirmed ones.
  private consume<A extends IntentAction>(id: string, actions: readonly A[], facts: ConfirmationFact[]): Intent<A> {
    const record = this.live(id);
    if (!issuedFor(record, actions)) throw new SignetError('Forbidden', `This intent was issued for ${record.action}, not ${actions.join(' or ')}.`);
    if (record.state === 'used') throw new SignetError('Conflict', 'This intent was already used; request a new one.');
    if (record.state !== 'confirmed') throw new SignetError('Unauthorized', 'This intent has not been confirmed.');
    if (!sameFacts(record.facts, facts)) {
      throw new SignetError('Conflict', 'What is about to happen differs from what was confirmed; nothing was done.');
    }
    record.state = 'used';
    return publicView(record);
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

// A record is issued with the payload of its own action, so its action alone says which payload it holds.
function issuedFor<A extends IntentAction>(record: IntentRecord, actions: readonly A[]): record is IntentRecord<A> {
  return actions.some((action) => action === record.action);
}

function publicView<A extends IntentAction>(record: IntentRecord<A>): Intent<A> {
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
