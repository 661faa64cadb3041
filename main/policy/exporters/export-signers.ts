import type { KeyRecord } from '../../../shared/model/keys.model.ts';
import type { PolicyRule } from '../../../shared/model/policy.model.ts';
import type { SignatureFormat } from '../../../shared/model/signing.model.ts';
import type { KeyTwin } from '../policy.types.ts';
import { formatsOf, inventoryRecordOf, sameCertificate, signerName, twinsOf } from '../policy-signers.ts';

/** What every exporter reads besides the policy: the inventory, Signet's own root, the public-good root, the time. */
export interface ExportContext {
  inventory: KeyRecord[];
  signetRootPem: string | null;
  /** Sigstore's public-good trusted root (Fulcio CAs, Rekor keys), for keyless signers. */
  trustedRoot: unknown;
  /** Twin pairs; a key signer is exported with its twin as one signer that either key satisfies. */
  twins: KeyTwin[];
  now: Date;
}

/** A signer as a target writes it: a public key, a keyless identity or a CA root, with a stable id within its rule. */
export type ExportSigner =
  | { kind: 'key'; id: string; name: string; pem: string; twins: { name: string; pem: string }[] }
  | { kind: 'identity'; id: string; name: string; subject: string; issuer: string }
  | { kind: 'ca'; id: string; name: string; pem: string; signet: boolean };

const PUBLIC_KEY = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/;
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

// Every gap sentence starts by naming the rule it is about.
export function ruleLabel(rule: PolicyRule): string {
  return `Rule ${rule.scope}`;
}

// Exports cannot judge a key by its record at verification time, so a revoked key is left out (stricter) and said so.
export function exportSigners(rule: PolicyRule, context: ExportContext): { signers: ExportSigner[]; gaps: string[] } {
  const signers: ExportSigner[] = [];
  const gaps: string[] = [];
  const where = ruleLabel(rule);
  for (const [index, signer] of rule.signers.entries()) {
    const id = `signer-${index + 1}`;
    const name = signerName(signer, context.inventory);
    if (signer.kind === 'identity') {
      signers.push({ kind: 'identity', id, name, subject: signer.subject, issuer: signer.issuer });
      continue;
    }
    if (signer.kind === 'ca') {
      const pem = CERTIFICATE.exec(signer.pem)?.[0];
      if (pem) signers.push({ kind: 'ca', id, name, pem: `${pem}\n`, signet: sameCertificate(pem, context.signetRootPem) });
      else gaps.push(`${where}: the CA "${name}" holds no PEM certificate, so it is left out and cannot count towards the threshold.`);
      continue;
    }
    const record = inventoryRecordOf(signer, context.inventory);
    if (signer.kind === 'key' && !record) {
      gaps.push(`${where}: key ${signer.keyId} is not in the inventory, so it is left out and cannot count towards the threshold.`);
      continue;
    }
    if (record?.revocation) {
      gaps.push(
        `${where}: key "${record.label}" was revoked (${record.revocation.reason}) from ${record.revocation.invalidSince}; targets cannot weigh a signature's time against that, so the key is left out and its signatures that Signet still accepts (timestamped before then) are refused.`,
      );
      continue;
    }
    const pem = PUBLIC_KEY.exec(signer.kind === 'key' ? record!.publicKeyPem : signer.pem)?.[0];
    const twins: { name: string; pem: string }[] = [];
    for (const twin of twinsOf(record, context.twins, context.inventory)) {
      if (twin.revocation) gaps.push(`${where}: the twin "${twin.label}" of "${name}" was revoked (${twin.revocation.reason}), so it is left out; only "${name}" itself is accepted for that signer.`);
      else twins.push({ name: twin.label, pem: `${PUBLIC_KEY.exec(twin.publicKeyPem)?.[0] ?? twin.publicKeyPem.trim()}\n` });
    }
    if (pem) signers.push({ kind: 'key', id, name, pem: `${pem}\n`, twins });
    else gaps.push(`${where}: "${name}" holds no PEM public key, so it is left out and cannot count towards the threshold.`);
  }
  return { signers, gaps };
}

// Formats the rule accepts in which at least one of its signers can sign; losing any other format loses nothing.
export function usableFormats(rule: PolicyRule): SignatureFormat[] {
  return rule.formats.filter((format) => rule.signers.some((signer) => formatsOf(signer).includes(format)));
}

// A list of names in a gap sentence.
export function names(signers: readonly { name: string }[]): string {
  return signers.map((s) => `"${s.name}"`).join(', ');
}
