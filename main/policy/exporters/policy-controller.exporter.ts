import type { Policy, PolicyExport, PolicyRule } from '../../../shared/model/policy.model.ts';
import { globsOverlap, shadowedBy } from '../scope-globs.ts';
import { exportSigners, names, ruleLabel, usableFormats, type ExportContext, type ExportSigner } from './export-signers.ts';
import { toYamlDocuments, type YamlValue } from './yaml.writer.ts';

const FULCIO = 'https://fulcio.sigstore.dev';
const REKOR = 'https://rekor.sigstore.dev';

/** An authority name, and whether it proves a signature or an attestation of whom. */
interface Named {
  authority: YamlValue;
  name: string;
  signer: ExportSigner;
  attestation: number | null;
}

// policy-controller globs: `*` stays within one path segment and `**` crosses them; `?` and `@` are not allowed.
export function policyControllerGlob(scope: string): { glob: string; widened: boolean } | null {
  if (/[?@]/.test(scope)) return null;
  const glob = scope.replace(/^docker\.io\//, 'index.docker.io/').replace(/\*/g, '**');
  // The glob is matched against the reference with its tag or digest; `@` cannot be written, so an exact name gains a `*`.
  return scope.endsWith('*') ? { glob, widened: false } : { glob: `${glob}*`, widened: true };
}

// One ClusterImagePolicy per rule; thresholds and attestations by the same signers are decided by a Rego policy over the authorities that matched.
export function policyControllerExport(policy: Policy, context: ExportContext): PolicyExport {
  const gaps: string[] = [];
  const documents: YamlValue[] = [];
  for (const [index, rule] of policy.rules.entries()) {
    const where = ruleLabel(rule);
    if (shadowedBy(policy.rules, index) !== null) continue;
    const translated = policyControllerGlob(rule.scope);
    if (!translated) {
      gaps.push(`${where}: policy-controller globs cannot express "?" or "@", so the rule is not exported; images in this scope fall to policy-controller's no-match policy.`);
      continue;
    }
    if (translated.widened) gaps.push(`${where}: a policy-controller glob cannot end exactly at a repository name and still match digest references, so it is exported as ${translated.glob} and also applies to repositories whose names start with ${rule.scope}.`);
    for (const earlier of policy.rules.slice(0, index)) {
      if (globsOverlap(earlier.scope, rule.scope)) gaps.push(`${where}: policy-controller enforces every ClusterImagePolicy whose glob matches, so images that also match the earlier rule ${earlier.scope} must satisfy both, while Signet applies only the earlier one.`);
    }
    if (rule.enforcement === 'audit') gaps.push(`${where}: policy-controller has no audit-only mode, so the rule is exported as warn: failing images are admitted with a warning to whoever deploys them instead of only being recorded.`);
    const { signers, gaps: signerGaps } = exportSigners(rule, context);
    gaps.push(...signerGaps);
    const spec = specFor(rule, signers, gaps);
    documents.push({
      apiVersion: 'policy.sigstore.dev/v1beta1',
      kind: 'ClusterImagePolicy',
      metadata: { name: `${policy.id}-rule-${index + 1}`.slice(0, 253), annotations: { 'signet/policy': policy.id, 'signet/scope': rule.scope } },
      spec: { mode: rule.enforcement === 'enforce' ? 'enforce' : 'warn', images: [{ glob: translated.glob }], ...spec },
    });
  }
  gaps.push(`Images outside every rule's scope: Signet leaves them undecided, while policy-controller applies its no-match policy to them (deny unless configured otherwise).`);
  const header = [`Signet policy "${policy.name}" (${policy.id}) as sigstore policy-controller ClusterImagePolicies.`];
  const text = documents.length > 0 ? toYamlDocuments(documents, header) : `${header.map((h) => `# ${h}`).join('\n')}\n# No rule could be expressed for policy-controller.\n`;
  return { target: 'policy-controller', files: [{ filename: `${policy.id}.cluster-image-policies.yaml`, mediaType: 'application/yaml', text }], gaps };
}

function specFor(rule: PolicyRule, signers: ExportSigner[], gaps: string[]): { authorities: YamlValue[]; policy?: YamlValue } {
  const where = ruleLabel(rule);
  const fail = (message: string) => ({ authorities: [{ name: 'signet-refuses', static: { action: 'fail', message } }] });
  const usable = usableFormats(rule);
  const formats = (['cosign', 'sigstore-bundle'] as const).filter((f) => rule.formats.includes(f));
  if (usable.includes('notation')) gaps.push(`${where}: policy-controller does not verify Notation signatures, so images signed only with Notation are refused.`);
  const checkable = signers.filter((s) => s.kind !== 'ca');
  const dropped = signers.filter((s) => s.kind === 'ca');
  if (dropped.length > 0) gaps.push(`${where}: the CA signer${dropped.length === 1 ? '' : 's'} ${names(dropped)} anchor${dropped.length === 1 ? 's' : ''} Notation signatures, which policy-controller does not verify, so ${dropped.length === 1 ? 'it is' : 'they are'} left out.`);
  if (formats.length === 0 || checkable.length < rule.threshold) {
    const why = formats.length === 0 ? `it accepts no format policy-controller verifies (${rule.formats.join(', ')})` : `it needs ${rule.threshold} signers but policy-controller can check only ${checkable.length} of them`;
    gaps.push(`${where}: ${why}, so every image in this scope is refused by a static failing authority.`);
    return fail(`Signet rule ${rule.scope} cannot be checked here: ${why}.`);
  }
  const authorities: Named[] = [];
  for (const signer of checkable) {
    // A twin gets authorities of its own under the signer's id, so the Rego counts the pair once.
    const variants = [{ key: signer, tag: '' }, ...(signer.kind === 'key' ? signer.twins.map((t, j) => ({ key: { ...signer, pem: t.pem }, tag: `-twin-${j + 1}` })) : [])];
    for (const format of formats) {
      const suffix = format === 'sigstore-bundle' ? '-bundle' : '';
      for (const { key, tag } of variants) {
        authorities.push({ name: `${signer.id}${tag}${suffix}`, signer, attestation: null, authority: authority(key, `${signer.id}${tag}${suffix}`, format) });
        for (const [k, predicateType] of rule.attestations.entries()) {
          const name = `${signer.id}${tag}-attestation-${k + 1}${suffix}`;
          authorities.push({ name, signer, attestation: k, authority: { ...(authority(key, name, format) as Record<string, YamlValue>), attestations: [{ name: `attestation-${k + 1}`, predicateType }] } });
        }
      }
    }
  }
  const needsPolicy = rule.threshold > 1 || rule.attestations.length > 0;
  return { authorities: authorities.map((a) => a.authority), ...(needsPolicy ? { policy: { type: 'rego', data: rego(rule, authorities) } } : {}) };
}

// Signet's offline key signatures carry no transparency-log entry (`ctlog: {}` turns the log check off); keyless ones use the public-good Fulcio and Rekor.
function authority(signer: ExportSigner, name: string, format: 'cosign' | 'sigstore-bundle'): YamlValue {
  const signatureFormat = format === 'sigstore-bundle' ? 'bundle' : undefined;
  if (signer.kind === 'identity') return { name, keyless: { url: FULCIO, identities: [{ issuer: signer.issuer, subject: signer.subject }] }, ctlog: { url: REKOR }, signatureFormat };
  if (signer.kind === 'key') return { name, key: { data: signer.pem, hashAlgorithm: 'sha256' }, ctlog: {}, signatureFormat };
  throw new Error('A CA signer has no policy-controller authority.');
}

// policy-controller hands the Rego module every authority that matched; a signer counts once, in whichever format it signed.
function rego(rule: PolicyRule, authorities: Named[]): string {
  const lines = ['package sigstore', '', 'default isCompliant = false', ''];
  for (const a of authorities.filter((x) => x.attestation === null)) {
    lines.push(`signed[${JSON.stringify(a.signer.id)}] {`, `  count(input.authorityMatches[${JSON.stringify(a.name)}].signatures) > 0`, '}', '');
  }
  for (const [k] of rule.attestations.entries()) {
    for (const a of authorities.filter((x) => x.attestation === k)) {
      lines.push(`attested_${k + 1} {`, `  signed[${JSON.stringify(a.signer.id)}]`, `  count(input.authorityMatches[${JSON.stringify(a.name)}].attestations[${JSON.stringify(`attestation-${k + 1}`)}]) > 0`, '}', '');
    }
  }
  lines.push('isCompliant {', `  count(signed) >= ${rule.threshold}`, ...rule.attestations.map((_, k) => `  attested_${k + 1}`), '}');
  return `${lines.join('\n')}\n`;
}
