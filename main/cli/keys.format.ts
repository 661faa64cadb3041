import { ALGORITHM_NAMES, effectiveStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { AuditEntry, AuditVerification } from '../../shared/model/audit.model.ts';
import { describeLocation } from '../keys/key-location.ts';

// One line per key: what a security officer scans for first (status, expiry, where it lives).
export function formatKeys(keys: KeyRecord[], now: Date): string {
  if (keys.length === 0) return 'No keys yet. Make one with: signet keys generate --label NAME';
  const rows = keys.map((k) => [
    k.id,
    effectiveStatus(k, now),
    ALGORITHM_NAMES[k.algorithm],
    describeLocation(k.location).short,
    k.notAfter ? k.notAfter.slice(0, 10) : 'never',
    String(k.signatureCount),
    k.label,
    k.fingerprint.slice(0, 16),
  ]);
  const header = ['ID', 'STATUS', 'ALGORITHM', 'HELD IN', 'EXPIRES', 'SIGNED', 'LABEL', 'FINGERPRINT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

// A broken chain is named by line and reason, so the first tampered entry can be found by hand; the anchor line says what was held against the log.
export function formatAuditVerification(result: AuditVerification): string {
  const anchor = result.anchor ? `\nCheckpoint outside the log: ${result.anchor.status}${result.anchor.seq !== null ? ` (entry ${result.anchor.seq}, ${result.anchor.hash})` : ''}. ${result.anchor.note}` : '';
  const tail = `\n${result.unsignedTail} entr${result.unsignedTail === 1 ? 'y' : 'ies'} after the last signed checkpoint.`;
  if (result.ok) return `Audit chain intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints.${tail}${anchor}`;
  if (!result.firstBad) return `Audit chain NOT VERIFIED: ${result.entries} entries chain, ${result.checkpoints} signed checkpoints, but the checkpoint kept outside the log could not be checked.${tail}${anchor}`;
  const bad = result.firstBad;
  return `Audit chain BROKEN at line ${bad.line} (entry ${bad.seq}): ${bad.reason}.\n${result.entries} entries before it verify.${anchor}`;
}

// One entry per line, oldest columns first, for reading in a terminal.
export function formatAudit(entries: AuditEntry[]): string {
  return entries.map((e) => `${String(e.seq).padStart(6)}  ${e.time}  ${e.host.padEnd(8)} ${e.action.padEnd(22)} ${e.subject ?? ''}`).join('\n');
}
