import type { Enforcement, Policy, PolicyExport } from '../../../shared/model/policy.model.ts';
import { hasWildcard, shadowedBy } from '../scope-globs.ts';
import { exportSigners, names, ruleLabel, usableFormats, type ExportContext, type ExportSigner } from './export-signers.ts';

const LEVELS: Record<Enforcement, 'strict' | 'permissive' | 'audit'> = { enforce: 'strict', warn: 'permissive', audit: 'audit' };

// Notation names trust stores by directory; the name has to survive being a path component and a policy reference.
export function storeName(name: string, taken: Set<string>): string {
  const base = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'ca';
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
  taken.add(candidate);
  return candidate;
}

// trustpolicy.json plus one named CA store per CA signer; Notation picks the exact repository first, then the single global policy.
export function notationExport(policy: Policy, context: ExportContext): PolicyExport {
  const gaps: string[] = [];
  const trustPolicies: Record<string, unknown>[] = [];
  const stores = new Map<string, string>();
  const taken = new Set<string>();
  const global = policy.rules.findIndex((r) => r.scope === '*');
  for (const [index, rule] of policy.rules.entries()) {
    const where = ruleLabel(rule);
    if (shadowedBy(policy.rules, index) !== null) continue;
    if (rule.scope !== '*' && hasWildcard(rule.scope)) {
      const fallback = global > index ? `they fall to the global rule * instead` : `Notation finds no trust policy for them and fails their verification`;
      gaps.push(`${where}: Notation registry scopes are exact repositories or *, so this glob is not exported; ${fallback}.`);
      continue;
    }
    const { signers, gaps: signerGaps } = exportSigners(rule, context);
    gaps.push(...signerGaps);
    const lost = usableFormats(rule).filter((f) => f !== 'notation');
    const cas = signers.filter((s): s is Extract<ExportSigner, { kind: 'ca' }> => s.kind === 'ca');
    const others = signers.filter((s) => s.kind !== 'ca');
    const skipped = (why: string) => gaps.push(`${where}: ${why}, so the rule is not exported; ${rule.scope === '*' ? 'artifacts without an exact trust policy then fail verification' : global > index ? 'its artifacts fall to the global rule * instead' : 'Notation finds no trust policy for its artifacts and fails their verification'}.`);
    if (!rule.formats.includes('notation')) {
      skipped(`Notation verifies only Notation signatures, and the rule accepts ${rule.formats.join(', ')}`);
      continue;
    }
    if (others.length > 0) gaps.push(`${where}: Notation trusts certificate authorities only, so ${names(others)} cannot be expressed and ${others.length === 1 ? 'is' : 'are'} left out.`);
    if (lost.length > 0) gaps.push(`${where}: Notation verifies only Notation signatures, so images signed only as ${lost.join(' or ')} fail verification.`);
    if (cas.length === 0) {
      skipped('none of its signers is a certificate authority');
      continue;
    }
    if (rule.threshold > 1) gaps.push(`${where}: Notation accepts an artifact when any one signature verifies, so the threshold of ${rule.threshold} signers is NOT enforced: one trusted signature is enough.`);
    if (rule.attestations.length > 0) gaps.push(`${where}: Notation does not check in-toto attestations, so ${rule.attestations.join(', ')} ${rule.attestations.length === 1 ? 'is' : 'are'} NOT checked: artifacts without ${rule.attestations.length === 1 ? 'it' : 'them'} pass.`);
    if (rule.enforcement === 'warn') gaps.push(`${where}: Notation has no warn mode; the permissive level still fails unsigned or untrusted artifacts (Signet admits them with a warning) and only logs expiry and revocation failures.`);
    for (const ca of cas) {
      if (ca.signet) gaps.push(`${where}: Signet's certificates carry no CRL distribution point, so Notation cannot see the leaves "${ca.name}" revoked; signatures by revoked keys still verify.`);
    }
    const storeNames = cas.map((ca) => {
      const existing = [...stores.entries()].find(([, pem]) => pem === ca.pem)?.[0];
      if (existing) return existing;
      const created = storeName(ca.name, taken);
      stores.set(created, ca.pem);
      return created;
    });
    trustPolicies.push({
      name: `${policy.id}-rule-${index + 1}`,
      registryScopes: [rule.scope],
      signatureVerification: { level: LEVELS[rule.enforcement] },
      trustStores: [...new Set(storeNames)].map((s) => `ca:${s}`),
      trustedIdentities: ['*'],
    });
  }
  if (trustPolicies.length === 0) gaps.push(`No rule of policy ${policy.id} could be expressed for Notation; the trust policy is empty, so Notation fails every verification.`);
  else if (global < 0) gaps.push(`Images outside every rule's scope: Signet leaves them undecided, while Notation finds no trust policy for them and fails their verification.`);
  const files = [
    { filename: 'trustpolicy.json', mediaType: 'application/json', text: `${JSON.stringify({ version: '1.0', trustPolicies }, null, 2)}\n` },
    ...[...stores.entries()].map(([name, pem]) => ({ filename: `truststore/x509/ca/${name}/${name}.pem`, mediaType: 'application/x-pem-file', text: pem })),
  ];
  return { target: 'notation', files, gaps };
}
