// One of several processes working on one data folder until a deadline: generates, signs, revokes and records scans, writing a line per completed operation to its report file.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createApp } from '../../main/app/app.context.ts';
import { SignetError } from '../../main/errors.ts';
import { ScanHistoryStore } from '../../main/scan/scan-history.store.ts';
import { CoverageClassSchema, type ScanRecord } from '../../shared/model/scan.model.ts';
import { quietProbes } from './app.ts';
import { MemoryKeychain } from './memory-keychain.ts';

const worker = process.env.WORKER_ID!;
const reportFile = process.env.WORKER_REPORT!;
// Each line is on disk before the next operation starts, however long the run.
const report = (line: string) => appendFileSync(reportFile, `${line}\n`);
const deadline = Number(process.env.WORKER_DEADLINE);
// One machine's keychain, as every process on it sees it: the same data key unseals every software key, the audit key included.
const keychain = new MemoryKeychain();
for (const [account, secret] of Object.entries(JSON.parse(process.env.WORKER_KEYCHAIN ?? '{}') as Record<string, string>)) keychain.secrets.set(account, secret);
const app = createApp({ host: 'cli', keychain, probes: quietProbes });
const scans = new ScanHistoryStore(app.dataDir);

const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
const expected = (error: unknown, code: string) => error instanceof SignetError && error.code === code;

for (let n = 0; Date.now() < deadline; n++) {
  const op = ['generate', 'sign', 'sign', 'revoke', 'scan'][n % 5]!;
  try {
    if (op === 'generate') {
      const key = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: `w${worker} ${n}` }, 'cli');
      report(`generated ${key.id}`);
    } else if (op === 'sign') {
      const key = pick((await app.keys.list()).filter((k) => k.status === 'active'));
      if (!key) continue;
      const payload = Buffer.from(`worker ${worker} op ${n}`);
      try {
        await app.keys.sign(key.id, { payload }, 'cli');
        report(`signed ${key.id} sha256:${createHash('sha256').update(payload).digest('hex')}`);
      } catch (error) {
        // Revoked by another process between the list and the signature: refused, and that is the point.
        if (!expected(error, 'Forbidden')) throw error;
        report(`refused ${key.id}`);
      }
    } else if (op === 'revoke') {
      const key = pick((await app.keys.list()).filter((k) => k.status === 'active'));
      if (!key) continue;
      try {
        await app.keys.revoke(key.id, { reason: 'keyCompromise', invalidSince: new Date().toISOString() }, 'cli');
        report(`revoked ${key.id}`);
      } catch (error) {
        if (!expected(error, 'Conflict')) throw error;
        report(`already-revoked ${key.id}`);
      }
    } else {
      const scanId = `scan-w${worker}-${n}`;
      const now = new Date().toISOString();
      const counts = Object.fromEntries(CoverageClassSchema.options.map((c) => [c, 0])) as ScanRecord['summary']['counts'];
      await scans.save({ summary: { scanId, source: `worker ${worker}`, policyId: null, startedAt: now, finishedAt: now, counts, total: 0, coverage: 0, missing: [], cancelled: false, requests: 0 }, images: [] }, `worker ${worker}`);
      await app.audit.append({ host: 'cli', action: 'scan.run', subject: scanId, details: { worker } });
      report(`scanned ${scanId}`);
    }
  } catch (error) {
    report(`failed ${op}: ${error instanceof Error ? error.message : String(error)}`);
    console.log(`failed ${op}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
await app.close();
console.log('done');
