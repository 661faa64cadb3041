import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { SCREENSHOTS } from './browser.ts';

/** How one screenshot compared with its baseline. */
export interface ScreenshotOutcome {
  name: string;
  /** 'same' within tolerance, 'different' beyond it, 'written' when a baseline was (re)written. */
  result: 'same' | 'different' | 'written';
  detail: string;
}

/** Pixel colour distance pixelmatch still counts as equal (0..1). */
const THRESHOLD = 0.1;
/** Share of pixels allowed to differ before a screen counts as changed. */
const ALLOWED_SHARE = 0.005;

// Compares a fresh screenshot with test/e2e/screenshots/<name>.png, so a change to any screen's look is seen in review; writes the baseline when it is missing or updating was asked, and leaves actual and diff images in test-results/ when they differ.
export async function compareScreenshot(baselineDir: string, name: string, actual: Buffer, update: boolean): Promise<ScreenshotOutcome> {
  const baselinePath = join(baselineDir, `${name}.png`);
  if (update || !existsSync(baselinePath)) {
    await mkdir(baselineDir, { recursive: true });
    await writeFile(baselinePath, actual);
    return { name, result: 'written', detail: update ? 'baseline updated' : 'baseline was missing and has been written' };
  }
  const expected = PNG.sync.read(await readFile(baselinePath));
  const fresh = PNG.sync.read(actual);
  if (expected.width !== fresh.width || expected.height !== fresh.height) {
    await saveFailure(name, actual, null);
    return { name, result: 'different', detail: `size ${fresh.width}x${fresh.height} instead of ${expected.width}x${expected.height}` };
  }
  const diff = new PNG({ width: fresh.width, height: fresh.height });
  const differing = pixelmatch(expected.data, fresh.data, diff.data, fresh.width, fresh.height, { threshold: THRESHOLD });
  const share = differing / (fresh.width * fresh.height);
  if (share <= ALLOWED_SHARE) return { name, result: 'same', detail: `${differing} pixels differ` };
  await saveFailure(name, actual, PNG.sync.write(diff));
  return { name, result: 'different', detail: `${differing} pixels (${(share * 100).toFixed(2)}%) differ` };
}

async function saveFailure(name: string, actual: Buffer, diff: Buffer | null): Promise<void> {
  const dir = join(SCREENSHOTS, 'screenshot-diffs');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}-actual.png`), actual);
  if (diff) await writeFile(join(dir, `${name}-diff.png`), diff);
}
