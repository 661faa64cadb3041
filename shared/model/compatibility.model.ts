import type { AttachmentKind } from './image-graph.model.ts';

export type Support = 'yes' | 'partly' | 'no';

export interface Compatibility {
  verifier: string;
  support: Support;
  note: string;
}

export const VERIFIERS = ['cosign before v3', 'cosign v3', 'Notation', 'containers-policy.json', 'Kyverno', 'policy-controller'] as const;

type Row = Record<(typeof VERIFIERS)[number], [Support, string]>;

const COSIGN_TAG: Row = {
  'cosign before v3': ['yes', 'Reads sha256-….sig tags by default.'],
  'cosign v3': ['yes', 'Signs as bundles now, still verifies .sig tags.'],
  Notation: ['no', 'Reads only Notary Project envelopes.'],
  'containers-policy.json': ['yes', 'sigstoreSigned, with use-sigstore-attachments in registries.d.'],
  Kyverno: ['yes', 'verifyImages with a cosign attestor.'],
  'policy-controller': ['yes', 'ClusterImagePolicy with a key or keyless authority.'],
};

const COSIGN_ATTESTATION: Row = {
  'cosign before v3': ['yes', 'verify-attestation reads sha256-….att tags.'],
  'cosign v3': ['yes', 'verify-attestation still reads .att tags.'],
  Notation: ['no', 'Reads only Notary Project envelopes.'],
  'containers-policy.json': ['no', 'Checks signatures only, never attestations.'],
  Kyverno: ['yes', 'verifyImages attestations with a cosign attestor.'],
  'policy-controller': ['yes', 'ClusterImagePolicy attestations.'],
};

const BUNDLE: Row = {
  'cosign before v3': ['partly', 'Only 2.4 and later, with --new-bundle-format.'],
  'cosign v3': ['yes', 'The default format: a bundle attached as an OCI referrer.'],
  Notation: ['no', 'Reads only Notary Project envelopes.'],
  'containers-policy.json': ['no', 'containers/image reads .sig tags, not referrer bundles.'],
  Kyverno: ['partly', 'Only releases that read sigstore bundles from referrers.'],
  'policy-controller': ['partly', 'Only releases that read sigstore bundles from referrers.'],
};

const NOTATION: Row = {
  'cosign before v3': ['no', 'Does not read Notary Project envelopes.'],
  'cosign v3': ['no', 'Does not read Notary Project envelopes.'],
  Notation: ['yes', 'With a trust policy and trust store naming the signer.'],
  'containers-policy.json': ['no', 'No Notary Project support.'],
  Kyverno: ['yes', 'verifyImages with a notary attestor.'],
  'policy-controller': ['no', 'sigstore signatures only.'],
};

/**
 * Which verifiers can see and check a signature of this kind, as each project documents it:
 * the move from `.sig` tags to referrers broke several of them, so a verified signature can still
 * be invisible to the admission controller that guards a cluster.
 */
export function compatibilityOf(kind: AttachmentKind, via: string): Compatibility[] {
  const row = kind === 'cosign-signature' ? COSIGN_TAG : kind === 'cosign-attestation' ? COSIGN_ATTESTATION : kind.startsWith('sigstore-bundle') ? BUNDLE : kind === 'notation-signature' ? NOTATION : null;
  if (!row) return [];
  return VERIFIERS.map((verifier) => {
    const [support, note] = row[verifier];
    const fallback = via === 'referrers-tag' && support !== 'no' && kind !== 'cosign-signature' && kind !== 'cosign-attestation';
    return { verifier, support, note: fallback ? `${note} Found through the referrers tag fallback, which the verifier must also support.` : note };
  });
}
