import type { ScanDiff, ScanImage, ScanRecord } from '../../shared/model/scan.model.ts';

type ImageKey = { repository: string; tag: string; platform: string | null };

const keyOf = (image: ScanImage): string => `${image.repository}\n${image.tag}\n${image.platform ?? ''}`;
const pick = (image: ScanImage): ImageKey => ({ repository: image.repository, tag: image.tag, platform: image.platform });

// Images are matched by repository, tag and platform: what a person deploys by, whatever digest it names today.
export function diffScans(from: ScanRecord, to: ScanRecord): ScanDiff {
  const before = new Map(from.images.map((i) => [keyOf(i), i]));
  const after = new Map(to.images.map((i) => [keyOf(i), i]));
  const diff: ScanDiff = { from: from.summary.scanId, to: to.summary.scanId, becameUnsigned: [], signerChanged: [], coverageChanged: [], added: [], removed: [] };
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was) {
      diff.added.push(pick(now));
      continue;
    }
    if (was.coverage !== now.coverage) diff.coverageChanged.push({ ...pick(now), before: was.coverage, after: now.coverage });
    if (now.coverage === 'unsigned' && was.coverage !== 'unsigned' && was.coverage !== 'unreadable') diff.becameUnsigned.push(pick(now));
    const wasSigners = [...new Set(was.signers)].sort();
    const nowSigners = [...new Set(now.signers)].sort();
    // A signer change is one set of known signers replaced by another; losing every signer is reported as a coverage change.
    if (wasSigners.length > 0 && nowSigners.length > 0 && wasSigners.join('\n') !== nowSigners.join('\n')) diff.signerChanged.push({ ...pick(now), before: wasSigners, after: nowSigners });
  }
  for (const [key, was] of before) if (!after.has(key)) diff.removed.push(pick(was));
  const order = (a: ImageKey, b: ImageKey) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag) || (a.platform ?? '').localeCompare(b.platform ?? '');
  for (const list of [diff.becameUnsigned, diff.signerChanged, diff.coverageChanged, diff.added, diff.removed]) list.sort(order);
  return diff;
}
