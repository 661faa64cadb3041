// TUF targets metadata checked against a trusted root (TUF 5.5): the targets role's threshold of signatures, expiry,
// and one target's length and every hash it lists, so a file fetched beside the metadata is known to be the one signed.
import { createHash, getHashes } from 'node:crypto';
import { countSignatures, type TufRoot } from './tuf-root.ts';

export interface TufTargets {
  signed: { _type?: string; version: number; expires: string; targets: Record<string, { length: number; hashes: Record<string, string>; custom?: unknown }> };
  signatures: { keyid: string; sig: string }[];
}

export interface TargetCheck {
  ok: boolean;
  reason: string;
}

// TUF names hashes as hashlib does; only those with a fixed meaning are accepted, anything else fails the target.
const HASHES: Record<string, string> = { sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', 'sha512-224': 'sha512-224', 'sha512-256': 'sha512-256' };

function shapeProblem(targets: unknown): string | null {
  const t = targets as Partial<TufTargets> | null;
  if (typeof t !== 'object' || t === null || typeof t.signed !== 'object' || t.signed === null || !Array.isArray(t.signatures)) return 'The targets metadata is not a signed TUF document ({signed, signatures}).';
  if (t.signed._type !== 'targets') return `The metadata is of type ${JSON.stringify(t.signed._type)}, not "targets".`;
  if (typeof t.signed.expires !== 'string' || Number.isNaN(Date.parse(t.signed.expires))) return 'The targets metadata has no readable expiry time.';
  if (typeof t.signed.targets !== 'object' || t.signed.targets === null) return 'The targets metadata lists no targets.';
  return null;
}

// Trusts one target file only when the root's targets role signed metadata, still current at `now`, naming its exact length and hashes.
export function verifyTarget(root: TufRoot, targets: unknown, name: string, bytes: Buffer, now: Date = new Date()): TargetCheck {
  const shape = shapeProblem(targets);
  if (shape) return { ok: false, reason: shape };
  const metadata = targets as TufTargets;
  const role = root.signed.roles.targets;
  if (!role || !Number.isInteger(role.threshold) || role.threshold < 1) return { ok: false, reason: 'The root defines no targets role with a threshold of at least 1.' };
  const signed = countSignatures(metadata, root.signed, 'targets');
  if (signed < role.threshold) return { ok: false, reason: `The targets metadata is signed by ${signed} of the root's targets keys; the threshold is ${role.threshold}.` };
  const expires = new Date(metadata.signed.expires);
  if (expires.getTime() <= now.getTime()) return { ok: false, reason: `The targets metadata expired on ${expires.toISOString()} (checked at ${now.toISOString()}).` };
  const entry = Object.hasOwn(metadata.signed.targets, name) ? metadata.signed.targets[name] : undefined;
  if (!entry) return { ok: false, reason: `The targets metadata does not list ${name}.` };
  if (entry.length !== bytes.length) return { ok: false, reason: `${name} is ${bytes.length} bytes; the targets metadata says ${String(entry.length)}.` };
  const hashes = Object.entries(entry.hashes ?? {});
  if (hashes.length === 0) return { ok: false, reason: `The targets metadata lists no hash for ${name}.` };
  const available = new Set(getHashes());
  for (const [algorithm, expected] of hashes) {
    const node = HASHES[algorithm];
    if (!node || !available.has(node)) return { ok: false, reason: `The targets metadata hashes ${name} with ${algorithm}, which is not checked here, so the target is not trusted.` };
    const actual = createHash(node).update(bytes).digest('hex');
    if (typeof expected !== 'string' || actual !== expected.toLowerCase()) return { ok: false, reason: `The ${algorithm} of ${name} is ${actual}; the targets metadata says ${String(expected)}.` };
  }
  return { ok: true, reason: `${name} (${bytes.length} bytes, ${hashes.map(([a]) => a).join(' and ')}) is listed in targets version ${metadata.signed.version}, signed by ${signed}/${role.threshold} targets keys and valid until ${expires.toISOString()}.` };
}
