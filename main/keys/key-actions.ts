import { describeLocation } from './key-location.ts';
import type { KeyIntentView, KeyRecord, PrepareKeyAction } from '../../shared/model/keys.model.ts';
import { ALGORITHM_NAMES, effectiveStatus } from '../../shared/model/keys.model.ts';
import type { ConfirmationFact } from '../confirm/confirmation.types.ts';
import { SignetError } from '../errors.ts';
import type { IntentService } from '../intents/intent.service.ts';
import type { KeyService } from './keys.service.ts';
import { strengthens } from './revocation-list.ts';
import type { AuditLog } from '../audit/audit.log.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { Policy } from '../../shared/model/policy.model.ts';

declare module '../intents/intent.service.ts' {
  interface IntentPayloads {
    rotate: PrepareKeyAction;
    revoke: PrepareKeyAction;
    destroy: PrepareKeyAction;
    'set-admin': PrepareKeyAction;
  }
}

const KEY_ACTIONS = ['rotate', 'revoke', 'destroy', 'set-admin'] as const;

const TITLES = { rotate: 'Rotate signing key', revoke: 'Revoke signing key', destroy: 'Destroy signing key', 'set-admin': 'Designate the revocation-list admin key' } as const;

/**
 * Rotate, revoke and destroy in two steps: main states exactly what will happen (an intent), then
 * acts only after the host's confirmation channel says yes, once, before the intent expires.
 */
export class KeyActions {
  private readonly keys: KeyService;
  private readonly intents: IntentService;
  private readonly now: () => Date;

  private readonly audit: AuditLog;
  private readonly settings: Pick<SettingsService, 'get'> | null;
  private readonly policies: (() => Promise<Policy[]>) | null;

  constructor(keys: KeyService, intents: IntentService, audit: AuditLog, now: () => Date = () => new Date(), settings: Pick<SettingsService, 'get'> | null = null, policies: (() => Promise<Policy[]>) | null = null) {
    this.keys = keys;
    this.intents = intents;
    this.audit = audit;
    this.now = now;
    this.settings = settings;
    this.policies = policies;
  }

  // The facts come from main's own records, never from the request's wording.
  async prepare(request: PrepareKeyAction): Promise<KeyIntentView> {
    const key = await this.keys.get(request.keyId);
    this.assertPossible(request, key);
    const facts = await this.facts(request, key);
    const message = request.action === 'set-admin' ? 'Confirm only if you chose this key yourself: from now on only revocation lists it signs are published and imported here.' : undefined;
    const intent = this.intents.issue({ action: request.action, title: TITLES[request.action], facts, payload: request, message });
    return {
      intentId: intent.id,
      action: request.action,
      title: intent.title,
      facts: intent.facts,
      expiresAt: new Date(intent.expiresAt).toISOString(),
      typeToConfirm: request.action === 'destroy' ? key.label : null,
    };
  }

  // Destroy asks for the label typed back before anyone is asked; after the yes the key is read again, and if anything it showed has changed, nothing is done.
  async confirm(intentId: string, typed: string | undefined): Promise<KeyRecord> {
    const confirmed = await this.intents.confirm(intentId, KEY_ACTIONS, {
      doing: 'rotate, revoke, destroy or designate keys',
      unavailable: 'This host has no way to ask for a confirmation, so keys cannot be rotated, revoked or destroyed here.',
      precheck: async ({ payload: request }) => {
        if (request.action !== 'destroy') return;
        const key = await this.keys.get(request.keyId);
        if (typed !== key.label) throw new SignetError('BadInput', `Type the key's label, "${key.label}", exactly to destroy it.`);
      },
      recheck: async ({ payload: request }) => {
        const key = await this.keys.get(request.keyId);
        this.assertPossible(request, key);
        return { facts: await this.facts(request, key), state: null };
      },
    });
    const { payload: request, host } = confirmed;
    switch (request.action) {
      case 'rotate':
        return (await this.keys.rotate(request.keyId, { overlapDays: request.overlapDays, label: request.label }, host)).successor;
      case 'revoke':
        return this.keys.revoke(request.keyId, { reason: request.reason, invalidSince: request.invalidSince }, host);
      case 'destroy':
        return this.keys.destroy(request.keyId, host);
      case 'set-admin':
        return this.keys.setAdmin(request.keyId, host);
    }
  }

  // Designating the admin key changes whose lists count, so its facts name the key it replaces instead of what the key signed.
  private async facts(request: PrepareKeyAction, key: KeyRecord): Promise<ConfirmationFact[]> {
    if (request.action !== 'set-admin') return [...describe(request, key), ...(await this.impact(request, key))];
    const current = (await this.keys.revocationSigner()).adminKeyId;
    const replaced = current && current !== key.id ? await this.keys.get(current).catch(() => null) : null;
    return [
      ...describe(request, key),
      { label: 'Replaces', value: current === key.id ? 'nothing: this key is already the admin key' : replaced ? `"${replaced.label}" (${replaced.fingerprint})` : 'no admin key (none is designated)' },
    ];
  }

  // What the action touches, from the audit log: the digests this key signed (all of them, or those after "invalid since").
  private async impact(request: PrepareKeyAction, key: KeyRecord): Promise<ConfirmationFact[]> {
    const entries = await this.audit.list({ subject: key.id, limit: 5000 });
    const since = request.action === 'revoke' ? Date.parse(request.invalidSince) : -Infinity;
    const digests: string[] = [];
    for (const entry of entries) {
      if (Date.parse(entry.time) < since) continue;
      if (entry.action === 'key.sign') digests.push(String(entry.details.digest));
      if (entry.action === 'key.signBatch') digests.push(...(entry.details.digests as string[]));
    }
    const images = new Set<string>();
    for (const entry of entries) {
      if (entry.action !== 'image.sign' || Date.parse(entry.time) < since) continue;
      for (const digest of (entry.details.digests as string[] | undefined) ?? []) images.add(`${String(entry.details.repository)}@${digest}`);
    }
    const list = (items: string[], none: string) => (items.length === 0 ? none : `${items.length}: ${items.slice(0, 5).join(', ')}${items.length > 5 ? `, and ${items.length - 5} more in the audit log` : ''}`);
    const rules = (await this.settings?.get())?.signing.rules.filter((rule) => rule.keyIds.includes(key.id)).map((rule) => rule.scope) ?? [];
    const facts: ConfirmationFact[] =
      request.action === 'revoke'
        ? [
            { label: 'Signed after "invalid since"', value: list(digests, 'nothing') },
            { label: 'Images signed after "invalid since"', value: list([...images], 'none') },
          ]
        : [
            { label: 'Signed with this key', value: list(digests, 'nothing yet') },
            { label: 'Images signed with this key', value: list([...images], 'none') },
          ];
    facts.push({ label: 'Signing rules naming this key', value: rules.length === 0 ? 'none' : `${rules.join(', ')}${request.action === 'rotate' ? ' (add the successor to keep signing there)' : ''}` });
    const naming = ((await this.policies?.()) ?? []).flatMap((policy) =>
      policy.rules.filter((rule) => rule.signers.some((signer) => signer.kind === 'key' && signer.keyId === key.id)).map((rule) => `${policy.name}: ${rule.scope}`),
    );
    facts.push({ label: 'Trust policies naming this key', value: naming.length === 0 ? 'none' : `${naming.join(', ')}${request.action === 'rotate' ? ' (add the successor before the old key retires)' : ''}` });
    return facts;
  }

  private assertPossible(request: PrepareKeyAction, key: KeyRecord): void {
    const status = effectiveStatus(key, this.now());
    if (key.status === 'destroyed') throw new SignetError('Conflict', `Key "${key.label}" is already destroyed.`);
    if (request.action === 'rotate' && status !== 'active') throw new SignetError('Conflict', `Key "${key.label}" is ${status}; only an active key can be rotated.`);
    if (request.action === 'set-admin' && status !== 'active') throw new SignetError('Conflict', `Key "${key.label}" is ${status}; only an active key can sign revocation lists.`);
    if (request.action === 'revoke' && key.status === 'revoked' && !strengthens(key.revocation, { reason: request.reason, invalidSince: request.invalidSince, revokedAt: this.now().toISOString() })) {
      throw new SignetError('Conflict', `Key "${key.label}" is already revoked (${key.revocation?.reason} from ${key.revocation?.invalidSince}); only keyCompromise or an earlier "invalid since" makes that stronger.`);
    }
  }
}

function describe(request: PrepareKeyAction, key: KeyRecord): ConfirmationFact[] {
  const facts: ConfirmationFact[] = [
    { label: 'Key', value: key.label },
    { label: 'Fingerprint (SHA-256)', value: key.fingerprint },
    { label: 'Algorithm', value: ALGORITHM_NAMES[key.algorithm] },
    { label: 'Held in', value: describeLocation(key.location).heldIn },
    { label: 'Status', value: key.status },
  ];
  if (request.action === 'rotate') {
    facts.push({ label: 'Overlap', value: `${request.overlapDays} days; then the old key verifies but no longer signs` });
  } else if (request.action === 'revoke') {
    facts.push({ label: 'Reason (RFC 5280)', value: request.reason }, { label: 'Invalid since', value: request.invalidSince });
  } else if (request.action === 'set-admin') {
    facts.push({ label: 'Effect', value: 'this key alone signs the revocation lists Signet publishes, and only lists it signed are imported from now on' });
  } else {
    facts.push({ label: 'Effect', value: 'the private key is erased from its store; this cannot be undone' });
  }
  return facts;
}
