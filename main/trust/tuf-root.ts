import { createPublicKey, verify, type KeyObject } from 'node:crypto';

interface TufKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
}

export interface TufRoot {
  signed: { _type?: string; version: number; expires: string; keys: Record<string, TufKey>; roles: Record<string, { keyids: string[]; threshold: number }> };
  signatures: { keyid: string; sig: string }[];
}

export interface RootStep {
  version: number;
  ok: boolean;
  reason: string;
}

// OLPC canonical JSON as TUF (securesystemslib) signs it: sorted keys, no spaces, and only \ and " escaped in strings.
export function tufCanonical(value: unknown): string {
  if (typeof value === 'string') return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tufCanonical).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return `{${keys.map((k) => `${tufCanonical(k)}:${tufCanonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

// An ECDSA key is PEM in newer roots and a bare hex point in the oldest; both must work.
function publicKey(key: TufKey): KeyObject | null {
  const text = key.keyval.public;
  try {
    if (text.includes('BEGIN PUBLIC KEY')) return createPublicKey(text);
    if (key.keytype === 'ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(text, 'hex').toString('base64url') }, format: 'jwk' });
    if (key.keytype.startsWith('ecdsa') && /^04[0-9a-f]{128}$/i.test(text)) {
      const point = Buffer.from(text, 'hex');
      return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    }
  } catch {
    return null;
  }
  return null;
}

// How many distinct keys of one of the trusted root's roles signed this metadata; targets metadata is counted the same way.
export function countSignatures(metadata: { signed: unknown; signatures: TufRoot['signatures'] }, trusted: TufRoot['signed'], roleName = 'root'): number {
  const role = trusted.roles[roleName];
  if (!role) return 0;
  const message = Buffer.from(tufCanonical(metadata.signed));
  const counted = new Set<string>();
  for (const signature of metadata.signatures) {
    if (!role.keyids.includes(signature.keyid) || counted.has(signature.keyid)) continue;
    const key = trusted.keys[signature.keyid];
    const keyObject = key ? publicKey(key) : null;
    if (!keyObject || !signature.sig) continue;
    const ok = verify(key!.keytype === 'ed25519' ? null : 'sha256', message, keyObject, Buffer.from(signature.sig, 'hex'));
    if (ok) counted.add(signature.keyid);
  }
  return counted.size;
}

// TUF 5.3.4: each new root is signed by a threshold of the previous root's keys and of its own, and versions go up by one.
export function verifyRootChain(roots: TufRoot[]): RootStep[] {
  const steps: RootStep[] = [];
  const first = roots[0];
  if (!first) return [{ version: 0, ok: false, reason: 'No root metadata was given.' }];
  const selfSigned = countSignatures(first, first.signed);
  const firstThreshold = first.signed.roles.root?.threshold ?? Infinity;
  steps.push({ version: first.signed.version, ok: selfSigned >= firstThreshold, reason: `root ${first.signed.version} is signed by ${selfSigned} of its own keys (threshold ${firstThreshold}); it is trusted as the starting point` });
  for (let i = 1; i < roots.length; i++) {
    const previous = roots[i - 1]!.signed;
    const next = roots[i]!;
    if (next.signed.version !== previous.version + 1) {
      steps.push({ version: next.signed.version, ok: false, reason: `expected version ${previous.version + 1}, found ${next.signed.version}` });
      continue;
    }
    const byPrevious = countSignatures(next, previous);
    const byItself = countSignatures(next, next.signed);
    const needPrevious = previous.roles.root?.threshold ?? Infinity;
    const needItself = next.signed.roles.root?.threshold ?? Infinity;
    const ok = byPrevious >= needPrevious && byItself >= needItself;
    steps.push({ version: next.signed.version, ok, reason: `signed by ${byPrevious}/${needPrevious} keys of root ${previous.version} and ${byItself}/${needItself} of its own` });
  }
  return steps;
}
