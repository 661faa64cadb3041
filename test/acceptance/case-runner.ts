// Runs acceptance cases: each case read strictly against the case format, verified offline, and compared with `expected`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleCase } from './bundle-case.ts';
import { CaseError, checkFields, KINDS, parseExpected, type Case } from './case-format.ts';
import { cosignCase } from './cosign-case.ts';
import { notationCase } from './notation-case.ts';
import { tufCase } from './tuf-case.ts';

export interface CaseReport {
  id: string;
  ok: boolean;
  /** The line printed for the case: `ok   ID: ...` or `FAIL ID: ...`. */
  line: string;
}

// Judges one case against the files under `dataDir`; a case that cannot be read or run is a failure that says why.
export async function evaluateCase(raw: unknown, dataDir: string, index = 0): Promise<CaseReport> {
  const record = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id ? record.id : `(case ${index + 1})`;
  const report = (ok: boolean, text: string): CaseReport => ({ id, ok, line: `${ok ? 'ok  ' : 'FAIL'} ${id}: ${text}` });
  const data = (path: string) => join(dataDir, path);
  try {
    if (record !== raw) throw new CaseError('the case is not a JSON object');
    checkFields(record);
    const c = record as Case;
    if (c.kind === KINDS.notationJws || c.kind === KINDS.notationTimestamp) {
      const outcome = await notationCase(c, data);
      return report(outcome.ok, `expected ${c.expected}, got ${outcome.got}: ${outcome.detail}`);
    }
    const expected = parseExpected(c.expected, false);
    if (expected.kind !== 'plain') throw new CaseError(`expected ${c.expected} names levels, which only Notation cases have`);
    const outcome = c.kind === KINDS.cosign ? await cosignCase(c, data) : c.kind === KINDS.tuf ? await tufCase(c, data) : await bundleCase(c, data);
    const ok = outcome.result === expected.outcome;
    const got = outcome.unbound && outcome.result === 'pass' ? 'pass (unbound)' : outcome.result;
    return report(ok, ok && outcome.unbound ? `${got}: ${outcome.detail}` : `expected ${expected.outcome}, got ${got}: ${outcome.detail}`);
  } catch (error) {
    if (error instanceof CaseError) return report(false, `cannot run the case: ${error.message}`);
    return report(false, `error: ${(error as Error).message}`);
  }
}

// Reads FOLDER/cases.json and judges every case, printing one line each and the totals.
export async function runCaseFolder(folder: string, print: (line: string) => void = console.log): Promise<{ passed: number; failed: number }> {
  const text = await readFile(join(folder, 'cases.json'), 'utf8');
  const document = JSON.parse(text) as { cases?: unknown };
  if (!Array.isArray(document.cases)) throw new Error(`${join(folder, 'cases.json')} has no "cases" list`);
  let passed = 0;
  let failed = 0;
  for (const [index, c] of document.cases.entries()) {
    const report = await evaluateCase(c, join(folder, 'data'), index);
    if (report.ok) passed++;
    else failed++;
    print(report.line);
  }
  print(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
