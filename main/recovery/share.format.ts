import { randomBytes } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { SignetError } from '../errors.ts';
import { sha256Hex } from './backup.format.ts';

/** One custodian's part of a backup's data key, as written on a recovery sheet. */
export interface Share {
  shareSetId: string;
  /** The custodian's place in the backup's list, from 1. */
  index: number;
  count: number;
  threshold: number;
  bytes: Buffer;
  /** Where it was read from, for error messages. */
  source: string;
}

const LINE = /signet-share-v1\.([0-9a-f]{16})\.(\d{1,2})-of-(\d{1,2})\.m(\d{1,2})\.([A-Za-z0-9_-]{20,120})\.([0-9a-f]{8})/g;

// A share-set id names one backup's shares, so a sheet from another backup is recognised as such.
export function newShareSetId(): string {
  return randomBytes(8).toString('hex');
}

// The data key split M of N; each share keeps the set id and its index beside the secret part.
export async function splitKey(key: Buffer, count: number, threshold: number, shareSetId: string): Promise<Share[]> {
  const parts = await split(new Uint8Array(key), count, threshold);
  return parts.map((part, i) => ({ shareSetId, index: i + 1, count, threshold, bytes: Buffer.from(part), source: 'new' }));
}

// One line of plain text a person can copy or type back; the last field is a checksum that catches typing mistakes.
export function shareLine(share: Share): string {
  const body = `signet-share-v1.${share.shareSetId}.${share.index}-of-${share.count}.m${share.threshold}.${share.bytes.toString('base64url')}`;
  return `${body}.${sha256Hex(body).slice(0, 8)}`;
}

// Finds the share lines in a recovery sheet (its HTML, or a text file the line was typed into).
export function sharesIn(text: string, source: string): Share[] {
  const found: Share[] = [];
  let damaged = false;
  // A line typed back may be wrapped or indented; whitespace is never part of one.
  for (const match of text.replace(/\s+/g, '').matchAll(LINE)) {
    const [line, setId, index, count, threshold, data, check] = match as unknown as [string, string, string, string, string, string, string];
    if (sha256Hex(line.slice(0, line.length - check.length - 1)).slice(0, 8) !== check) {
      damaged = true;
      continue;
    }
    if (!found.some((s) => s.index === Number(index) && s.shareSetId === setId)) {
      found.push({ shareSetId: setId, index: Number(index), count: Number(count), threshold: Number(threshold), bytes: Buffer.from(data, 'base64url'), source });
    }
  }
  if (found.length === 0) {
    throw new SignetError('BadInput', damaged ? `The share line in ${source} does not match its checksum: it was mistyped or altered.` : `${source} holds no Signet share line (signet-share-v1.…).`);
  }
  return found;
}

// Rebuilds the data key only from enough distinct shares of this backup's set; anything else is refused in words.
export async function combineShares(shares: Share[], expected: { shareSetId: string; threshold: number; custodians: string[] }): Promise<Buffer> {
  const distinct: Share[] = [];
  for (const share of shares) {
    if (share.shareSetId !== expected.shareSetId) {
      throw new SignetError('BadInput', `The share in ${share.source} belongs to another backup (share set ${share.shareSetId}); this backup's shares are set ${expected.shareSetId}. Nothing was opened.`);
    }
    if (share.count !== expected.custodians.length || share.threshold !== expected.threshold || share.index < 1 || share.index > share.count) {
      throw new SignetError('BadInput', `The share in ${share.source} does not fit this backup (${expected.threshold} of ${expected.custodians.length}); it was altered.`);
    }
    const same = distinct.find((s) => s.index === share.index);
    if (same && !same.bytes.equals(share.bytes)) throw new SignetError('BadInput', `${same.source} and ${share.source} both claim to be share ${share.index}, with different contents.`);
    if (!same) distinct.push(share);
  }
  if (distinct.length < expected.threshold) {
    const names = distinct.map((s) => expected.custodians[s.index - 1] ?? `share ${s.index}`);
    throw new SignetError('Unauthorized', `This backup opens with ${expected.threshold} of its ${expected.custodians.length} shares; ${distinct.length} distinct ${distinct.length === 1 ? 'share was' : 'shares were'} given (${names.join(', ') || 'none'}). Nothing was opened.`);
  }
  try {
    return Buffer.from(await combine(distinct.map((s) => new Uint8Array(s.bytes))));
  } catch (error) {
    throw new SignetError('BadInput', `The shares cannot be combined (${error instanceof Error ? error.message : String(error)}); one of them was altered.`);
  }
}

// A printable sheet for one custodian: who holds it, what it opens, and the share line itself.
export function recoverySheet(share: Share, details: { custodian: string; custodians: string[]; backupFile: string; backupSha256: string; createdAt: string }): string {
  const others = details.custodians.map((name, i) => `<li>${escapeHtml(name)}${i + 1 === share.index ? ' (this sheet)' : ''}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Signet recovery sheet ${share.index} of ${share.count}: ${escapeHtml(details.custodian)}</title>
<style>
body { font: 12pt/1.45 system-ui, sans-serif; max-width: 46em; margin: 2em auto; color: #111; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
.share { font: 11pt/1.6 ui-monospace, monospace; border: 2px solid #111; padding: 0.8em; word-break: break-all; white-space: pre-wrap; }
dt { font-weight: 600; } dd { margin: 0 0 0.5em 0; word-break: break-all; }
.warning { border-left: 4px solid #b00; padding-left: 0.8em; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Signet recovery sheet</h1>
<p>Share ${share.index} of ${share.count}, held by <strong>${escapeHtml(details.custodian)}</strong>.</p>
<p class="warning">Any ${share.threshold} of the ${share.count} custodians together can open the backup below and restore its signing keys. Keep this sheet where only you can reach it; do not photograph, scan or e-mail it.</p>
<dl>
<dt>Backup file</dt><dd>${escapeHtml(details.backupFile)}</dd>
<dt>Backup SHA-256</dt><dd>${details.backupSha256}</dd>
<dt>Made</dt><dd>${escapeHtml(details.createdAt)}</dd>
<dt>Share set</dt><dd>${share.shareSetId}</dd>
<dt>Custodians</dt><dd><ol>${others}</ol></dd>
</dl>
<p>Share line (type it into a text file exactly, or hand over this sheet's file):</p>
<pre class="share">${shareLine(share)}</pre>
<p>To restore: <code>signet backup restore BACKUP_FILE --share SHEET --share SHEET …</code> with ${share.threshold} sheets; <code>signet backup drill</code> proves the backup without touching the live keys.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
