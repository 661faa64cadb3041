import { createHash, KeyObject, X509Certificate } from 'node:crypto';
import { effectiveStatus } from '../../shared/model/keys.model.ts';
import type { Policy } from '../../shared/model/policy.model.ts';
import type { TrustSettings } from '../../shared/model/settings.model.ts';
import type { VerifyOptions } from '../images/verify.engine.ts';

// A verdict may be reused only under the same trust: any key, status, revocation, trust setting or policy change gives another fingerprint.
export function trustFingerprint(trust: Omit<VerifyOptions, 'reference'>, settings: TrustSettings, policy: Policy | null, now: Date): string {
  const { inventory, onProgress: _onProgress, now: _now, ...material } = trust;
  const keys = (inventory ?? [])
    .map((k) => ({ id: k.id, fingerprint: k.fingerprint, status: effectiveStatus(k, now), revocation: k.revocation, notAfter: k.notAfter, retireAt: k.retireAt, destroyedAt: k.destroyedAt }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const hash = createHash('sha256');
  hash.update(canonical({ settings, keys, material, policy: policy ? { id: policy.id, updatedAt: policy.updatedAt ?? null, rules: policy.rules } : null }));
  return `sha256:${hash.digest('hex')}`;
}

// Keys, certificates and bytes are written as their encodings, objects with sorted keys, so equal trust hashes equally.
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof KeyObject) return JSON.stringify(value.type === 'secret' ? 'secret' : value.export({ type: 'spki', format: 'der' }).toString('base64'));
  if (value instanceof X509Certificate) return JSON.stringify(value.raw.toString('base64'));
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  if (typeof value === 'function') return 'null';
  return JSON.stringify(value);
}
