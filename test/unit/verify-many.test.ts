import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../../shared/model/chain.model.ts';
import { formatMany, manyExitCode, tallyOf, type ManyOutcome, type ReportSummary } from '../../main/cli/commands/verify.command.ts';

const report = (reference: string, verdict: Verdict): ReportSummary => ({ reference, verdict, reason: `${verdict} reason`, trust: ['Only the trust the command line names', '1 public key(s) from files'] });

const verified: ManyOutcome<ReportSummary> = { reference: 'r/a:1', report: report('r/a:1', 'verified') };
const unsigned: ManyOutcome<ReportSummary> = { reference: 'r/b:1', report: report('r/b:1', 'unsigned') };
const missing: ManyOutcome<ReportSummary> = { reference: 'r/c:1', error: { code: 'NotFound', message: 'No tag 1.' } };
const refused: ManyOutcome<ReportSummary> = { reference: 'r/d:1', error: { code: 'Forbidden', message: 'Refused.' } };

test('verify REF... counts each image in one class and exits by the worst: 1 for any not verified, else 3 for any not checked, else 0', () => {
  assert.deepEqual(tallyOf([verified, unsigned, missing, refused]), { verified: 1, notVerified: 2, couldNotCheck: 1 });
  assert.equal(manyExitCode(tallyOf([verified, verified])), 0);
  assert.equal(manyExitCode(tallyOf([verified, missing])), 3);
  assert.equal(manyExitCode(tallyOf([verified, unsigned, missing])), 1);
  assert.equal(manyExitCode(tallyOf([missing, refused])), 1);
});

test('verify REF... prints one line per image in the order given, the trust once, then the summary', () => {
  assert.equal(
    formatMany([verified, unsigned, missing]),
    ['✓ verified r/a:1: verified reason', '! unsigned r/b:1: unsigned reason', '? could not check r/c:1: NotFound: No tag 1.', '  trust: Only the trust the command line names: 1 public key(s) from files', '1 verified, 1 not verified, 1 could not be checked'].join('\n'),
  );
});
