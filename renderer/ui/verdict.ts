import type { ChainNode, ChainReport, Verdict } from '../../shared/model/chain.model.ts';
import type { BadgeTone } from './status-badge.tsx';

/** Every verdict has an icon and words as well as a colour, so no one has to tell colours apart. */
export const VERDICT_VIEW: Record<Verdict, { icon: string; word: string; tone: BadgeTone }> = {
  verified: { icon: '✓', word: 'verified', tone: 'ok' },
  failed: { icon: '✕', word: 'failed', tone: 'fail' },
  untrusted: { icon: '⚠', word: 'untrusted', tone: 'fail' },
  revoked: { icon: '⊘', word: 'revoked', tone: 'fail' },
  expired: { icon: '⌛', word: 'expired', tone: 'fail' },
  unsigned: { icon: '!', word: 'unsigned', tone: 'warn' },
  'not-checked': { icon: '–', word: 'not checked', tone: 'off' },
};

export const KIND_WORDS: Record<string, string> = {
  reference: 'Reference',
  index: 'Index',
  manifest: 'Platform manifest',
  signature: 'Signature',
  attestation: 'Attestation',
  signer: 'Signer',
  certificate: 'Certificate',
  tlog: 'Transparency log',
  timestamp: 'Timestamp',
  artifact: 'Artifact',
  policy: 'Policy verdict',
};

const ATTACHMENT_WORDS: Record<string, string> = {
  'cosign-signature': 'cosign signature',
  'cosign-attestation': 'cosign attestation',
  'sigstore-bundle-signature': 'Sigstore bundle signature',
  'sigstore-bundle-attestation': 'Sigstore bundle attestation',
  'notation-signature': 'Notation signature',
  sbom: 'SBOM',
  other: 'attachment',
};

const nodesById = new WeakMap<ChainReport, Map<string, ChainNode>>();

function lookup(report: ChainReport, id: string): ChainNode | undefined {
  let byId = nodesById.get(report);
  if (!byId) {
    byId = new Map(report.nodes.map((n) => [n.id, n]));
    nodesById.set(report, byId);
  }
  return byId.get(id);
}

/** A signer's name: an inventory label without the fingerprint main appends ("release-key (SHA256:ab12…)"), or a certificate subject's common name. */
function signerName(label: string): string {
  const named = /^(.+?) \(SHA256:[0-9a-fA-F]+…?\)$/.exec(label) ?? /(?:^|,\s*)CN=([^,]+)/.exec(label);
  return named?.[1] ?? label;
}

function shortDigest(digest: string | undefined): string {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

/** Who a certificate names: the e-mail or URI of its subject alternative name, else its common name. */
function certificateSubject(node: ChainNode): string {
  const san = node.details.subjectAltName;
  const named = san ? /(?:email|URI|DNS):([^,\s]+)/.exec(san)?.[1] : undefined;
  return named ?? node.label.replace(/^Trust anchor: /, '');
}

function predicateWords(type: string | undefined): string {
  if (!type) return 'attestation';
  if (/slsa\.dev\/provenance/.test(type)) return 'SLSA provenance';
  if (/spdx/i.test(type)) return 'SPDX SBOM attestation';
  if (/cyclonedx/i.test(type)) return 'CycloneDX SBOM attestation';
  if (/vuln/i.test(type)) return 'vulnerability scan attestation';
  return `${type.replace(/^https?:\/\//, '').replace(/\/$/, '')} attestation`;
}

// What a node is, in the words someone reading the picture at a glance needs, built from what the report carries about it.
export function nodeTitle(node: ChainNode, report: ChainReport): string {
  switch (node.kind) {
    case 'index': {
      const platforms = report.edges.filter((e) => e.from === node.id && lookup(report, e.to)?.kind === 'manifest').length;
      return platforms > 0 ? `Index of ${platforms} platform${platforms === 1 ? '' : 's'}` : `Index ${shortDigest(node.details.digest)}`;
    }
    case 'manifest':
      return node.details.platform ?? `Manifest ${shortDigest(node.details.digest)}`;
    case 'signature':
    case 'attestation': {
      const signer = lookup(report, `${node.id}/signer`);
      const what = node.kind === 'attestation' ? predicateWords(node.details.predicateType) : (ATTACHMENT_WORDS[node.details.attachmentKind ?? ''] ?? `${node.label} signature`);
      return signer ? `${what} by ${signerName(signer.label)}` : what;
    }
    case 'signer':
      return signerName(node.label).replace(/^key /, 'Key ');
    case 'certificate': {
      const role = node.details.role;
      const fulcio = role === 'signing certificate' && /sigstore/i.test(node.details.issuer ?? '');
      const what = fulcio ? 'Fulcio certificate' : role === 'trust anchor' ? 'Trust anchor' : role === 'intermediate' ? 'Intermediate CA' : 'Signing certificate';
      const anchored = role !== 'trust anchor' && node.label.startsWith('Trust anchor: ') ? ' (trust anchor)' : '';
      return `${what} for ${certificateSubject(node)}${anchored}`;
    }
    case 'tlog':
      return node.label.replace(/^Rekor #/, 'Rekor entry #');
    case 'timestamp':
      return node.label.replace(/^Timestamp /, 'Timestamp at ');
    case 'policy':
      return report.trust?.length ? `Trust policy of ${report.trust.length} trust source${report.trust.length === 1 ? '' : 's'}` : 'Trust policy';
    default:
      return node.label;
  }
}
