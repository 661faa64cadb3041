import { createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { PolicySigner } from '../../shared/model/policy.model.ts';
import type { SignatureFormat } from '../../shared/model/signing.model.ts';
import { fingerprintOf } from '../encoding/key-encoding.ts';
import type { KeyTwin } from './policy.types.ts';

// Reasons and exports name signers the way people know them: an inventory key by its label, the rest by what the policy calls them.
export function signerName(signer: PolicySigner, inventory: readonly KeyRecord[]): string {
  switch (signer.kind) {
    case 'key':
      return inventory.find((k) => k.id === signer.keyId)?.label ?? signer.keyId;
    case 'publicKey':
    case 'ca':
      return signer.name;
    case 'identity':
      return signer.subject;
  }
}

// The formats in which Signet can verify a signer: keys and identities sign cosign and bundles, a CA root anchors Notation.
export function formatsOf(signer: PolicySigner): SignatureFormat[] {
  return signer.kind === 'ca' ? ['notation'] : ['cosign', 'sigstore-bundle'];
}

// A public key signer that is also an inventory key is judged by that key's record, as the engine does.
export function inventoryRecordOf(signer: PolicySigner, inventory: readonly KeyRecord[]): KeyRecord | null {
  if (signer.kind === 'key') return inventory.find((k) => k.id === signer.keyId) ?? null;
  if (signer.kind !== 'publicKey') return null;
  try {
    const fingerprint = fingerprintOf(createPublicKey(signer.pem).export({ type: 'spki', format: 'der' }));
    return inventory.find((k) => k.fingerprint === fingerprint) ?? null;
  } catch {
    return null;
  }
}

// A twin stands in for the key it was made for (and the other way round): same signer, never an extra vote towards a threshold.
export function twinsOf(record: KeyRecord | null, twins: readonly KeyTwin[], inventory: readonly KeyRecord[]): KeyRecord[] {
  if (!record) return [];
  const ids = twins.flatMap((t) => (t.original === record.id ? [t.twin] : t.twin === record.id ? [t.original] : []));
  return inventory.filter((k) => ids.includes(k.id) && k.status !== 'destroyed');
}

// Signet's own root is recognised by its certificate, not by how its PEM happens to be wrapped.
export function sameCertificate(a: string, b: string | null): boolean {
  if (!b) return false;
  try {
    return new X509Certificate(a).fingerprint256 === new X509Certificate(b).fingerprint256;
  } catch {
    return false;
  }
}
