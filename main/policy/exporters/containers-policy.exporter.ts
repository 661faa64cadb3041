import { X509Certificate } from 'node:crypto';
import type { Policy, PolicyExport, PolicyRule } from '../../../shared/model/policy.model.ts';
import { hasWildcard, shadowedBy } from '../scope-globs.ts';
import { exportSigners, names, ruleLabel, usableFormats, type ExportContext, type ExportSigner } from './export-signers.ts';
import { toYaml, type YamlValue } from './yaml.writer.ts';

const PUBLIC_GOOD_REKOR = 'https://rekor.sigstore.dev';
const EMAIL = /^[^@\s/]+@[^@\s/]+$/;

type Requirement = Record<string, YamlValue>;

/** The Fulcio CAs and the Rekor key of the public-good instance, base64 PEM as `fulcio.caData` and `rekorPublicKeyData` take them. */
interface Keyless {
  caData: string;
  rekorPublicKeyData: string;
}

// containers-policy.json scopes are prefixes on whole path components: an exact repository, `namespace/*`, or `*` for the transport default.
export function containersScope(scope: string): { scope: string; namespace: boolean } | null {
  if (scope === '*') return { scope: '', namespace: true };
  if (!hasWildcard(scope)) return { scope, namespace: false };
  const prefix = scope.slice(0, -2);
  if (scope.endsWith('/*') && prefix.length > 0 && !hasWildcard(prefix)) return { scope: prefix, namespace: true };
  return null;
}

// A policy.json that stands alone (keys embedded as keyData) and rejects by default, with the registries.d entry that makes cosign signatures visible.
export function containersPolicyExport(policy: Policy, context: ExportContext): PolicyExport {
  const gaps: string[] = [];
  const docker: Record<string, YamlValue> = {};
  const hosts = new Set<string>();
  const keyless = keylessMaterial(context.trustedRoot);
  for (const [index, rule] of policy.rules.entries()) {
    const where = ruleLabel(rule);
    if (shadowedBy(policy.rules, index) !== null) continue;
    const translated = containersScope(rule.scope);
    if (!translated) {
      gaps.push(`${where}: containers-policy.json scopes are a repository, a namespace prefix (ns/*) or everything (*), so this glob is not exported; its images fall to the default and are rejected.`);
      continue;
    }
    if (translated.scope in docker) {
      gaps.push(`${where}: it maps to the same policy.json scope "${translated.scope}" as an earlier rule, which containers-policy.json cannot tell apart, so only the earlier rule is exported and decides these images.`);
      continue;
    }
    if (translated.namespace && translated.scope !== '') gaps.push(`${where}: the policy.json scope "${translated.scope}" also covers the repository ${translated.scope} itself, which the glob does not.`);
    const { signers, gaps: signerGaps } = exportSigners(rule, context);
    gaps.push(...signerGaps);
    docker[translated.scope] = requirementsFor(rule, signers, keyless, gaps);
    hosts.add(translated.scope === '' ? '' : translated.scope.split('/')[0]!);
  }
  gaps.push(`Images outside every rule's scope: Signet leaves them undecided, while this policy.json rejects them (default reject).`);
  const document = { default: [{ type: 'reject' }], transports: { docker } };
  const registries: YamlValue = {
    ...(hosts.has('') ? { 'default-docker': { 'use-sigstore-attachments': true } } : {}),
    ...(hosts.size > (hosts.has('') ? 1 : 0) ? { docker: Object.fromEntries([...hosts].filter((h) => h !== '').map((h) => [h, { 'use-sigstore-attachments': true }])) } : {}),
  };
  const files = [{ filename: 'policy.json', mediaType: 'application/json', text: `${JSON.stringify(document, null, 2)}\n` }];
  if (hosts.size > 0) files.push({ filename: `registries.d/${policy.id}.yaml`, mediaType: 'application/yaml', text: `# Signet policy ${policy.id}: containers/image reads cosign signatures only where sigstore attachments are on.\n${toYaml(registries)}` });
  return { target: 'containers-policy', files, gaps };
}

// Requirements in one scope are ANDed and keyDatas is an OR over keys: that spans 1-of-M keys and M-of-M, nothing in between.
function requirementsFor(rule: PolicyRule, signers: ExportSigner[], keyless: Keyless | null, gaps: string[]): YamlValue[] {
  const where = ruleLabel(rule);
  const lost = usableFormats(rule).filter((f) => f !== 'cosign');
  if (!rule.formats.includes('cosign')) {
    gaps.push(`${where}: containers/image verifies only cosign signatures, and the rule accepts ${rule.formats.join(', ')}, so every image in this scope is rejected.`);
    return [{ type: 'reject' }];
  }
  if (lost.length > 0) gaps.push(`${where}: containers/image verifies only cosign signatures, so images signed only as ${lost.join(' or ')} are rejected.`);
  if (rule.enforcement !== 'enforce') gaps.push(`${where}: containers-policy.json has no ${rule.enforcement} mode, so the rule is exported as enforcing: failing images are rejected instead of admitted.`);
  if (rule.attestations.length > 0) gaps.push(`${where}: containers-policy.json cannot require attestations, so ${rule.attestations.join(', ')} ${rule.attestations.length === 1 ? 'is' : 'are'} NOT checked: images without ${rule.attestations.length === 1 ? 'it' : 'them'} are accepted.`);
  const usable: ExportSigner[] = [];
  for (const signer of signers) {
    if (signer.kind === 'key') usable.push(signer);
    else if (signer.kind === 'identity' && EMAIL.test(signer.subject) && keyless) usable.push(signer);
    else if (signer.kind === 'identity') gaps.push(`${where}: containers-policy.json matches keyless signers only by e-mail address (fulcio.subjectEmail)${keyless ? '' : ' with a known Fulcio root'}, so "${signer.name}" is left out.`);
    else gaps.push(`${where}: the CA "${signer.name}" anchors Notation signatures, which containers/image does not verify, so it is left out.`);
  }
  if (usable.length < rule.threshold) {
    gaps.push(`${where}: it needs ${rule.threshold} signers but containers/image can check only ${usable.length} of them, so every image in this scope is rejected.`);
    return [{ type: 'reject' }];
  }
  if (rule.threshold === 1 && usable.length > 1 && usable.every((s) => s.kind === 'key')) {
    return [{ type: 'sigstoreSigned', keyDatas: usable.flatMap((s) => keyPems(s).map(base64)), signedIdentity: { type: 'matchRepository' } }];
  }
  if (rule.threshold < usable.length) gaps.push(`${where}: containers-policy.json cannot count ${rule.threshold} of ${usable.length} signers, so it requires all of ${names(usable)}, which is stricter.`);
  return usable.map((signer) => requirement(signer, keyless));
}

// cosign signatures name only the repository, so matchRepository is the identity rule that accepts them (as Signet's own check does).
function requirement(signer: ExportSigner, keyless: Keyless | null): Requirement {
  if (signer.kind === 'key' && signer.twins.length > 0) return { type: 'sigstoreSigned', keyDatas: keyPems(signer).map(base64), signedIdentity: { type: 'matchRepository' } };
  if (signer.kind === 'key') return { type: 'sigstoreSigned', keyData: base64(signer.pem), signedIdentity: { type: 'matchRepository' } };
  if (signer.kind === 'identity' && keyless) {
    return { type: 'sigstoreSigned', fulcio: { caData: keyless.caData, oidcIssuer: signer.issuer, subjectEmail: signer.subject }, rekorPublicKeyData: keyless.rekorPublicKeyData, signedIdentity: { type: 'matchRepository' } };
  }
  throw new Error(`${signer.name} has no containers-policy.json requirement.`);
}

// A key and its twins, any of which satisfies the one requirement (keyDatas is an OR).
function keyPems(signer: ExportSigner): string[] {
  return signer.kind === 'key' ? [signer.pem, ...signer.twins.map((t) => t.pem)] : [];
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

// containers/image checks the Rekor SET of a Fulcio-signed signature, which only the original log (rekor.sigstore.dev) issues.
function keylessMaterial(trustedRoot: unknown): Keyless | null {
  const root = (trustedRoot ?? {}) as { tlogs?: { baseUrl?: string; publicKey?: { rawBytes?: string } }[]; certificateAuthorities?: { certChain?: { certificates?: { rawBytes?: string }[] } }[] };
  const rekor = root.tlogs?.find((t) => t.baseUrl === PUBLIC_GOOD_REKOR)?.publicKey?.rawBytes;
  const certificates = (root.certificateAuthorities ?? []).flatMap((ca) => ca.certChain?.certificates ?? []).flatMap((c) => (c.rawBytes ? [new X509Certificate(Buffer.from(c.rawBytes, 'base64')).toString()] : []));
  if (!rekor || certificates.length === 0) return null;
  const rekorPem = `-----BEGIN PUBLIC KEY-----\n${rekor.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  return { caData: base64(certificates.join('')), rekorPublicKeyData: base64(rekorPem) };
}
