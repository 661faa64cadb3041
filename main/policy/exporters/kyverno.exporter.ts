import type { Policy, PolicyExport, PolicyRule } from '../../../shared/model/policy.model.ts';
import { globsOverlap, shadowedBy } from '../scope-globs.ts';
import { exportSigners, names, ruleLabel, usableFormats, type ExportContext, type ExportSigner } from './export-signers.ts';
import { toYamlDocuments, type YamlValue } from './yaml.writer.ts';

const REKOR = 'https://rekor.sigstore.dev';

/** One verifyImages entry: a signature type and the signers it checks. */
interface Entry {
  type: 'Cosign' | 'Notary';
  signers: ExportSigner[];
  count: number;
}

// Kyverno matches whole image references (tag or digest included) and its `*` crosses `/` like Signet's, so only the suffix needs adding.
export function kyvernoImageReferences(scope: string): string[] {
  return scope.endsWith('*') ? [scope] : [`${scope}:*`, `${scope}@*`];
}

// A ClusterPolicy keeps Signet's rule order by skipping, in each rule, the images an earlier rule already decides.
export function kyvernoExport(policy: Policy, context: ExportContext): PolicyExport {
  const gaps: string[] = [];
  const rules: YamlValue[] = [];
  const header = [`Signet policy "${policy.name}" (${policy.id}) for Kyverno 1.13 or later: each verifyImages entry carries its own failureAction.`];
  let enforcing = false;
  for (const [index, rule] of policy.rules.entries()) {
    const where = ruleLabel(rule);
    if (shadowedBy(policy.rules, index) !== null) continue;
    const { signers, gaps: signerGaps } = exportSigners(rule, context);
    gaps.push(...signerGaps);
    const entries = entriesFor(rule, signers, gaps);
    if (entries.length === 0) continue;
    const failureAction = rule.enforcement === 'enforce' ? 'Enforce' : 'Audit';
    if (rule.enforcement === 'enforce') enforcing = true;
    if (rule.enforcement === 'warn') gaps.push(`${where}: Kyverno has no warn-only mode for image verification, so the rule is exported as Audit: failing images are admitted and recorded in a policy report, without a warning to whoever deploys them.`);
    const skip = policy.rules.slice(0, index).filter((earlier) => globsOverlap(earlier.scope, rule.scope)).flatMap((earlier) => kyvernoImageReferences(earlier.scope));
    const name = `signet-rule-${index + 1}`;
    header.push(`${name}: ${rule.scope}`);
    rules.push({
      name,
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      verifyImages: entries.map((entry) => ({
        failureAction,
        type: entry.type,
        imageReferences: kyvernoImageReferences(rule.scope),
        skipImageReferences: skip.length > 0 ? [...new Set(skip)] : undefined,
        // Kyverno refuses to mutate digests in Audit mode.
        mutateDigest: rule.enforcement === 'enforce',
        verifyDigest: true,
        required: true,
        attestors: [{ count: entry.count, entries: entry.signers.map(attestor) }],
        attestations: entry.type === 'Cosign' && rule.attestations.length > 0 ? rule.attestations.map((type) => ({ type, attestors: [{ count: 1, entries: entry.signers.map(attestor) }] })) : undefined,
      })),
    });
    attestationGaps(rule, entries, gaps);
  }
  const document: YamlValue = {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: policy.id, annotations: { 'policies.kyverno.io/title': policy.name, 'policies.kyverno.io/description': policy.description || undefined } },
    spec: { background: false, webhookConfiguration: { failurePolicy: enforcing ? 'Fail' : 'Ignore', timeoutSeconds: 30 }, rules },
  };
  if (rules.length === 0) gaps.push(`No rule of policy ${policy.id} could be expressed for Kyverno; the ClusterPolicy has no rules and checks nothing.`);
  return { target: 'kyverno', files: [{ filename: `${policy.id}.kyverno.yaml`, mediaType: 'application/yaml', text: toYamlDocuments([document], header) }], gaps };
}

// Entries are ANDed in Kyverno: two types can be combined only when every signer is required anyway.
function entriesFor(rule: PolicyRule, signers: ExportSigner[], gaps: string[]): Entry[] {
  const where = ruleLabel(rule);
  const cosign = rule.formats.includes('cosign') ? signers.filter((s) => s.kind !== 'ca') : [];
  const notary = rule.formats.includes('notation') ? signers.filter((s) => s.kind === 'ca') : [];
  const usable = usableFormats(rule);
  if (usable.includes('sigstore-bundle')) gaps.push(`${where}: Kyverno's Cosign verification reads cosign signatures, not Sigstore bundles, so images signed only with a Sigstore bundle are refused.`);
  if (cosign.length > 0 && notary.length > 0 && rule.threshold === cosign.length + notary.length && rule.threshold === rule.signers.length) {
    return revocationGaps(rule, [
      { type: 'Cosign', signers: cosign, count: cosign.length },
      { type: 'Notary', signers: notary, count: notary.length },
    ], gaps);
  }
  const chosen: { type: Entry['type']; format: string; signers: ExportSigner[] } = notary.length > cosign.length ? { type: 'Notary', format: 'notation', signers: notary } : { type: 'Cosign', format: 'cosign', signers: cosign };
  if (chosen.signers.length === 0) {
    gaps.push(`${where}: Kyverno can check none of its signers in the formats it accepts (${rule.formats.join(', ')}), so the rule is not exported and Kyverno does not check images in this scope at all.`);
    return [];
  }
  const lost = usable.filter((f) => f !== chosen.format && f !== 'sigstore-bundle');
  if (lost.length > 0) gaps.push(`${where}: a Kyverno verifyImages entry checks one signature type and every entry must pass, so the rule is exported for ${chosen.format} signatures only; images signed only as ${lost.join(' or ')} are refused.`);
  const dropped = signers.filter((s) => !chosen.signers.includes(s));
  if (dropped.length > 0) gaps.push(`${where}: ${names(dropped)} cannot be checked by Kyverno's ${chosen.type} verification and ${dropped.length === 1 ? 'is' : 'are'} left out, so ${dropped.length === 1 ? 'it does' : 'they do'} not count towards the threshold.`);
  if (chosen.signers.length < rule.threshold) {
    gaps.push(`${where}: it needs ${rule.threshold} signers but Kyverno can check only ${chosen.signers.length} of them, so the rule is not exported and Kyverno does not check images in this scope at all.`);
    return [];
  }
  return revocationGaps(rule, [{ type: chosen.type, signers: chosen.signers, count: rule.threshold }], gaps);
}

// Signet's CA revokes through its CRL, which Notation verification elsewhere cannot find.
function revocationGaps(rule: PolicyRule, entries: Entry[], gaps: string[]): Entry[] {
  for (const signer of entries.filter((e) => e.type === 'Notary').flatMap((e) => e.signers)) {
    if (signer.kind === 'ca' && signer.signet) gaps.push(`${ruleLabel(rule)}: Signet's certificates carry no CRL distribution point, so Kyverno's Notary verification cannot see the leaves "${signer.name}" revoked; signatures by revoked keys still verify there.`);
  }
  return entries;
}

function attestationGaps(rule: PolicyRule, entries: Entry[], gaps: string[]): void {
  if (rule.attestations.length === 0) return;
  const where = ruleLabel(rule);
  const cosign = entries.find((e) => e.type === 'Cosign');
  if (!cosign) {
    gaps.push(`${where}: Kyverno's Notary verification does not check in-toto attestations, so the required ${rule.attestations.join(', ')} attestation${rule.attestations.length === 1 ? ' is' : 's are'} NOT checked: images without ${rule.attestations.length === 1 ? 'it' : 'them'} are admitted.`);
    return;
  }
  if (rule.threshold < cosign.signers.length) {
    gaps.push(`${where}: Kyverno accepts a required attestation from any of the rule's signers, while Signet counts it only from a signer whose own signature on the image was accepted.`);
  }
}

// Signet signs offline: keys carry no transparency-log entry or SCT, keyless identities use the public-good Fulcio and Rekor.
function attestor(signer: ExportSigner): YamlValue {
  switch (signer.kind) {
    case 'key': {
      const keyEntry = (pem: string): YamlValue => ({ keys: { publicKeys: pem, rekor: { url: REKOR, ignoreTlog: true }, ctlog: { ignoreSCT: true } } });
      // A key and its twins are one signer: a nested attestor set that either satisfies, so a twin never adds a vote to the outer count.
      if (signer.twins.length > 0) return { attestor: { count: 1, entries: [signer.pem, ...signer.twins.map((t) => t.pem)].map(keyEntry) } };
      return keyEntry(signer.pem);
    }
    case 'identity':
      return { keyless: { subject: signer.subject, issuer: signer.issuer, rekor: { url: REKOR } } };
    case 'ca':
      return { certificates: { cert: signer.pem } };
  }
}
