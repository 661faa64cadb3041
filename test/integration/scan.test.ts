import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { SignIntentView, SignPlan } from '../../shared/model/signing.model.ts';
import type { Policy, PolicyEvaluation } from '../../shared/model/policy.model.ts';
import type { CoverageClass, ScanAlert, ScanDiff, ScanImage, ScanProgress, ScanRecord, ScanSummary } from '../../shared/model/scan.model.ts';
import { ScanService, type ScanServiceDeps } from '../../main/scan/scan.service.ts';
import { csvCell, scanCsv, scanHtml } from '../../main/scan/scan-export.format.ts';
import type { ScanTimers } from '../../main/scan/scan.scheduler.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { buildScanFixture, type FixtureKind, type ScanFixture } from '../support/scan-fixture.ts';
import { callChannel } from '../support/dispatch.ts';

let registry: Registry;
/** Every request goes through it, so a test can make the registry fail part-way. */
let proxy: FlakyProxy;
let app: TestApp;
let work: string;
let fixture: ScanFixture;
let otherKey: KeyRecord;
let spareKey: KeyRecord;
const tools = join(fileURLToPath(new URL('../../', import.meta.url)), '.tools', 'bin');
const REPOSITORIES = 12;
const TAGS = 10;

before(async () => {
  registry = await startRegistry();
  proxy = await startFlakyProxy(registry.url);
  work = await mkdtemp(join(tmpdir(), 'signet-scan-'));
  app = await createTestApp({ probes: quietProbes, confirmations: new ScriptedConfirmation(), keychain: new MemoryKeychain() });
  await app.settings.update({ registries: [{ name: 'local', url: proxy.url, insecure: false }] });
  fixture = await buildScanFixture({ app, registryUrl: proxy.url, work, repositories: REPOSITORIES, tagsPerRepository: TAGS, cosignImages: 4, foreignImages: 2, every: 5 });
  otherKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'second team' });
  spareKey = await call<KeyRecord>('keys.generate', { backend: { kind: 'software' }, label: 'spare' });
});

after(async () => {
  await app?.cleanup();
  await proxy?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function call<T>(channel: string, input: unknown): Promise<T> {
  return callChannel<T>(app, channel, input);
}

const scan = (input: Record<string, unknown> = {}) => call<ScanSummary>('scan.start', { source: { kind: 'registry', name: 'local' }, ...input });
const record = (scanId: string) => call<ScanRecord>('scan.get', { scanId });
const keyOf = (image: ScanImage) => `${image.repository}:${image.tag}${image.platform ? `@${image.platform}` : ''}`;
const byKey = (images: ScanImage[]) => new Map(images.map((i) => [keyOf(i), i]));

// What the fixture says each image is, as counts per class.
function expectedCounts(expected: Map<string, string>): Record<string, number> {
  const counts: Record<string, number> = { verified: 0, failing: 0, unsigned: 0, 'revoked-or-expired': 0, untrusted: 0, unreadable: 0 };
  for (const coverage of expected.values()) counts[coverage]!++;
  return counts;
}

test('a registry-wide scan tells every kind apart, counts them, reports progress and measures its requests', async () => {
  const progress: ScanProgress[] = [];
  const stop = app.events.subscribe((event, payload) => {
    if (event === 'scan.progress') progress.push(payload as ScanProgress);
  });
  // Bulk signing cached what it verified; the first scan starts from an empty cache.
  await rm(join(app.dataDir, 'cache'), { recursive: true, force: true });
  const summary = await scan({ incremental: false });
  stop();
  const full = await record(summary.scanId);
  const found = byKey(full.images);
  for (const [key, coverage] of fixture.expected) {
    const image = found.get(key);
    assert.ok(image, `${key} was scanned`);
    assert.equal(image.coverage, coverage, `${key} (${fixture.kinds.get(key.split('@')[0]!) ?? 'platform'}): ${image.reason}`);
    assert.equal(image.reused, false);
  }
  assert.equal(full.images.length, fixture.expected.size, 'nothing else was counted: no attachment tags');
  assert.deepEqual(summary.counts, expectedCounts(fixture.expected));
  assert.equal(summary.total, fixture.expected.size);
  assert.equal(summary.coverage, summary.counts.verified! / summary.total);
  assert.deepEqual(summary.missing, []);
  assert.equal(summary.cancelled, false);
  for (const kind of ['signet', 'index', 'unsigned', 'tampered', 'revoked', 'cosign', 'foreign']) assert.ok([...fixture.kinds.values()].includes(kind as never), `the fixture has ${kind}`);

  const signet = [...fixture.kinds].find(([, kind]) => kind === 'signet')![0];
  assert.deepEqual(found.get(signet)!.formats, ['cosign']);
  assert.ok(found.get(signet)!.signers.some((s) => s.startsWith(fixture.signetKey.label)), found.get(signet)!.signers.join());
  assert.equal(found.get(signet)!.digest, fixture.digests.get(signet));
  const tampered = [...fixture.kinds].find(([, kind]) => kind === 'tampered')![0];
  assert.match(found.get(tampered)!.reason, /signature is for sha256:/);
  const revoked = [...fixture.kinds].find(([, kind]) => kind === 'revoked')![0];
  assert.match(found.get(revoked)!.reason, /revoked/);
  assert.ok(found.get(revoked)!.signers.some((s) => s.startsWith(fixture.revokedKey.label)));
  const multi = [...fixture.kinds].find(([, kind]) => kind === 'index')![0];
  assert.ok(found.get(`${multi}@linux/arm64`), 'each platform of an index is its own row');

  // The protocol's minimum from an empty cache: the catalog, a tag list per repository, one referrers probe (this registry has no API,
  // so each image's fallback tag is looked for in the tag list), a manifest per image, the .sig manifest of each signed one
  // and each distinct payload (a tampered .sig shares its payload with the image it was copied from).
  const signed = full.images.filter((i) => i.formats.length > 0).length;
  const copies = [...fixture.kinds.values()].filter((k) => k === 'tampered').length;
  const minimum = 1 + REPOSITORIES + 1 + full.images.length + signed + (signed - copies);
  assert.ok(summary.requests >= minimum && summary.requests <= minimum + copies, `${summary.requests} requests for a minimum of ${minimum}`);

  assert.ok(progress.length >= 3);
  assert.ok(progress.every((p) => p.scanId === summary.scanId));
  assert.equal(progress[0]!.phase, 'listing');
  assert.deepEqual(progress.at(-1), { ...progress.at(-1)!, phase: 'done', done: TAGS * REPOSITORIES, total: TAGS * REPOSITORIES });
  const history = await call<ScanSummary[]>('scan.history', { limit: 5 });
  assert.equal(history[0]!.scanId, summary.scanId);
  assert.deepEqual(full.summary, summary);
});

const tagsOf = (kind: string) => [...fixture.kinds].filter(([, k]) => k === kind).map(([key]) => key);
const split = (key: string) => key.split(':') as [string, string];
const reusedCount = (r: ScanRecord) => r.images.filter((i) => i.reused).length;
// Tests that change the registry say what the changed tag now is, for the tests after them.
function remember(key: string, kind: FixtureKind, coverage: CoverageClass): void {
  fixture.kinds.set(key, kind);
  fixture.expected.set(key, coverage);
}

test('an incremental re-scan reuses what did not move, and picks up a new signature, a moved tag and a new signer', async () => {
  const [cold] = await call<ScanSummary[]>('scan.history', { limit: 1 });
  const warm = await scan();
  const warmRecord = await record(warm.scanId);
  assert.equal(reusedCount(warmRecord), warm.total, 'every verdict reused');
  assert.deepEqual(warm.counts, cold!.counts);
  // The catalog, a tag list per repository, a HEAD per tag and per attachment tag, and one referrers probe.
  const attachments = fixture.expected.size - [...fixture.expected.values()].filter((c) => c === 'unsigned').length;
  assert.ok(warm.requests <= 1 + REPOSITORIES + TAGS * REPOSITORIES + attachments + 1, `${warm.requests} requests for ${attachments} attachment tags`);
  assert.ok(warm.requests < cold!.requests);

  const [signRepository, signTag] = split(tagsOf('unsigned')[0]!);
  await fixture.bulkSign(signRepository, signTag, fixture.signetKey);
  const signetTags = tagsOf('signet').filter((k) => !k.endsWith(':v0'));
  const [movedRepository, movedTag] = split(signetTags[0]!);
  await fixture.move(movedRepository, movedTag, 'rebuilt, not signed');
  const [resignedRepository, resignedTag] = split(signetTags[1]!);
  await fixture.move(resignedRepository, resignedTag, 'rebuilt by another team');
  await fixture.bulkSign(resignedRepository, resignedTag, otherKey);

  const changed = [`${signRepository}:${signTag}`, `${movedRepository}:${movedTag}`, `${resignedRepository}:${resignedTag}`];
  remember(changed[0]!, 'signet', 'verified');
  remember(changed[1]!, 'unsigned', 'unsigned');
  const next = await scan();
  const nextRecord = await record(next.scanId);
  for (const image of nextRecord.images) assert.equal(image.reused, !changed.includes(keyOf(image)), keyOf(image));
  const found = byKey(nextRecord.images);
  assert.equal(found.get(changed[0]!)!.coverage, 'verified');
  assert.equal(found.get(changed[1]!)!.coverage, 'unsigned');
  assert.equal(found.get(changed[1]!)!.digest, fixture.digests.get(changed[1]!));
  assert.equal(found.get(changed[2]!)!.coverage, 'verified');
  assert.ok(found.get(changed[2]!)!.signers.every((s) => s.startsWith('second team')), found.get(changed[2]!)!.signers.join());

  const diff = await call<ScanDiff>('scan.diff', { from: warm.scanId, to: next.scanId });
  assert.deepEqual(diff.becameUnsigned, [{ repository: movedRepository, tag: movedTag, platform: null }]);
  assert.deepEqual(
    diff.signerChanged.map((c) => `${c.repository}:${c.tag}`),
    [changed[2]],
  );
  assert.ok(diff.signerChanged[0]!.before[0]!.startsWith(fixture.signetKey.label) && diff.signerChanged[0]!.after[0]!.startsWith('second team'));
  assert.deepEqual(
    diff.coverageChanged.map((c) => `${c.repository}:${c.tag} ${c.before}->${c.after}`).sort(),
    [`${changed[0]} unsigned->verified`, `${changed[1]} verified->unsigned`].sort(),
  );
  assert.deepEqual([diff.added, diff.removed], [[], []]);
});

test('a change of trust (a revoked key, a trusted key file removed) invalidates every remembered verdict', async () => {
  const steady = await record((await scan()).scanId);
  assert.equal(reusedCount(steady), steady.images.length);
  await app.keys.revoke(spareKey.id, { reason: 'superseded', invalidSince: new Date().toISOString() }, 'cli');
  const revoked = await record((await scan()).scanId);
  assert.equal(reusedCount(revoked), 0, 'an inventory revocation re-checks everything');
  assert.deepEqual(revoked.summary.counts, steady.summary.counts);

  const settings = await app.settings.get();
  await app.settings.update({ trust: { ...settings.trust, keyFiles: [] } });
  const untrusting = await record((await scan()).scanId);
  assert.equal(reusedCount(untrusting), 0);
  for (const key of tagsOf('cosign')) assert.equal(byKey(untrusting.images).get(key)!.coverage, 'failing', `${key} no longer verifies`);
  await app.settings.update({ trust: settings.trust });
  const restored = await record((await scan()).scanId);
  assert.equal(reusedCount(restored), 0);
  assert.deepEqual(restored.summary.counts, steady.summary.counts);
});

test('a cancel stops after the images in flight and keeps a partial result', async () => {
  let answer: { cancelled: boolean } | undefined;
  const stop = app.events.subscribe((event, payload) => {
    const progress = payload as ScanProgress;
    if (event === 'scan.progress' && progress.phase === 'checking' && progress.done > 0 && !answer) {
      answer = app.scan.cancel(progress.scanId);
    }
  });
  const summary = await scan({ incremental: false });
  stop();
  assert.deepEqual(answer, { cancelled: true });
  assert.equal(summary.cancelled, true);
  assert.ok(summary.total > 0 && summary.total < fixture.expected.size / 2, `${summary.total} images checked`);
  assert.ok(summary.missing.some((m) => /not checked: the scan was cancelled/.test(m)), summary.missing.join());
  const kept = await record(summary.scanId);
  assert.equal(kept.images.length, summary.total);
  for (const image of kept.images) if (!image.platform) assert.equal(image.coverage, fixture.expected.get(keyOf(image)));
  assert.deepEqual(app.scan.cancel(summary.scanId), { cancelled: false }, 'a finished scan cannot be cancelled');
});

interface FlakyProxy {
  url: string;
  /** Decides, per request, whether the connection is dropped instead of answered. */
  failWhen: (path: string, count: number) => boolean;
  count: number;
  close(): Promise<void>;
}

// A registry in front of the real one that drops what it is told to: a repository's tag list, or everything after N requests.
async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const server: Server = createServer((incoming, answer) => {
    proxy.count++;
    if (proxy.failWhen(incoming.url ?? '', proxy.count)) {
      incoming.socket.destroy();
      return;
    }
    // The Host header is passed on as it came, so the registry's upload locations point back at the proxy.
    const forwarded = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (reply) => {
      answer.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(answer);
    });
    forwarded.on('error', () => answer.destroy());
    incoming.pipe(forwarded);
  });
  const proxy: FlakyProxy = {
    url: '',
    failWhen: () => false,
    count: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

test('a registry failing part-way gives a partial result: what was not listed is missing, what could not be read is unreadable', async () => {
  const [first, second, third] = fixture.repositories as [string, string, string];
  const source = { kind: 'registry', name: 'local', repositories: [first, second, third, 'fleet/none'] };
  let images: ScanImage[];
  try {
    const start = proxy.count;
    proxy.failWhen = (path, count) => path.includes(`/v2/${third}/tags/list`) || count - start > 30;
    const partial = await scan({ source, incremental: false });
    assert.equal(partial.cancelled, false);
    assert.equal(partial.missing.length, 2, partial.missing.join('\n'));
    assert.match(partial.missing.find((m) => m.startsWith(third))!, /tag list could not be read/);
    assert.match(partial.missing.find((m) => m.startsWith('fleet/none'))!, /tag list could not be read.*404/);
    images = (await record(partial.scanId)).images;
    assert.deepEqual([...new Set(images.map((i) => i.repository))].sort(), [first, second]);
    assert.ok(partial.counts.unreadable! > 0 && partial.counts.unreadable! < partial.total, JSON.stringify(partial.counts));
    for (const image of images.filter((i) => i.coverage === 'unreadable')) assert.match(image.reason, /could not be read|reached|reset|socket/i);
    for (const image of images.filter((i) => i.coverage !== 'unreadable')) assert.equal(image.coverage, fixture.expected.get(keyOf(image)), keyOf(image));
  } finally {
    proxy.failWhen = () => false;
  }
  const healed = await record((await scan({ source })).scanId);
  assert.equal(healed.summary.missing.length, 1, 'only the repository that does not exist');
  for (const image of healed.images) {
    assert.equal(image.coverage, fixture.expected.get(keyOf(image)), keyOf(image));
    if (image.reused) assert.notEqual(byKey(images).get(keyOf(image))?.coverage, 'unreadable', 'an unreadable verdict is never reused');
  }
  assert.ok(healed.images.some((i) => i.repository === third));
});

// Reads RFC 4180 text back: quoted fields, doubled quotes, CRLF records.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'the text ends with CRLF');
  return rows;
}

test('exports: CSV is RFC 4180 and defuses formulas, the HTML report escapes everything and runs nothing, JSON is the record', async () => {
  const [latest] = await call<ScanSummary[]>('scan.history', { limit: 1 });
  const kept = await record(latest!.scanId);
  const csv = await call<{ filename: string; mediaType: string; text: string }>('scan.export', { scanId: kept.summary.scanId, format: 'csv' });
  assert.equal(csv.filename, `${kept.summary.scanId}.csv`);
  assert.match(csv.mediaType, /^text\/csv/);
  const rows = parseCsv(csv.text);
  assert.deepEqual(rows[0], ['repository', 'tag', 'platform', 'digest', 'coverage', 'policy_verdict', 'admitted', 'signers', 'formats', 'reused', 'reason']);
  assert.equal(rows.length, kept.images.length + 1);
  assert.deepEqual(rows[1]!.slice(0, 5), [kept.images[0]!.repository, kept.images[0]!.tag, kept.images[0]!.platform ?? '', kept.images[0]!.digest ?? '', kept.images[0]!.coverage]);

  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\r\nlines'), '"two\r\nlines"');
  for (const risky of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1']) assert.equal(csvCell(risky)[0], "'", risky);
  const hostile: ScanRecord = {
    summary: { ...kept.summary, source: 'registry <b>evil</b>', policyId: 'prod-policy', missing: ['<img src=x onerror=alert(1)>'] },
    images: [
      { repository: 'team/app', tag: 'v1', digest: 'sha256:00', platform: null, coverage: 'failing', policyVerdict: 'fail', admitted: false, signers: ['=HYPERLINK("http://evil.example","click")'], formats: ['cosign'], reason: 'The reason, with "quotes" and <script>alert(1)</script>\nand a second line', reused: false },
    ],
  };
  const [header, hostileRow] = parseCsv(scanCsv(hostile)) as [string[], string[]];
  assert.equal(header.length, hostileRow.length);
  assert.equal(hostileRow[7], `'=HYPERLINK("http://evil.example","click")`);
  assert.equal(hostileRow[10], hostile.images[0]!.reason);

  const html = scanHtml(hostile);
  assert.doesNotMatch(html, /<script|<img|<b>|onerror=alert\(1\)>/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /prod-policy/);
  assert.match(html, /=HYPERLINK\(&quot;http:\/\/evil.example&quot;/);
  const report = await call<{ text: string }>('scan.export', { scanId: kept.summary.scanId, format: 'html' });
  assert.doesNotMatch(report.text, /<script/i);
  for (const key of tagsOf('tampered')) assert.ok(report.text.includes(`<td>${split(key)[1]}</td>`), `${key} is listed as a failure`);
  assert.match(report.text, new RegExp(`<th scope="row">signed and verified</th><td class="n">${kept.summary.counts.verified}</td>`));
  const json = await call<{ text: string }>('scan.export', { scanId: kept.summary.scanId, format: 'json' });
  assert.deepEqual(JSON.parse(json.text), kept);
});

/** Timers a test fires by hand. */
class HandTimers implements ScanTimers {
  readonly set: { ms: number; callback: () => void; cleared: boolean }[] = [];
  after(ms: number, callback: () => void) {
    const entry = { ms, callback, cleared: false };
    this.set.push(entry);
    return { clear: () => void (entry.cleared = true) };
  }
  pending() {
    return this.set.filter((t) => !t.cleared);
  }
  fire(): void {
    const due = this.pending();
    for (const timer of due) timer.cleared = true;
    for (const timer of due) timer.callback();
  }
}

const deps = (extra: Partial<ScanServiceDeps>): ScanServiceDeps => ({
  dataDir: app.dataDir,
  settings: app.settings,
  images: app.images,
  policies: app.policies,
  credentials: app.registryCredentials,
  audit: app.audit,
  host: 'electron',
  onProgress: () => undefined,
  onAlert: () => undefined,
  ...extra,
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a schedule runs on its timer, never twice at once, and alerts when coverage drops or a signer changes', async () => {
  const timers = new HandTimers();
  const alerts: ScanAlert[] = [];
  const service = new ScanService(deps({ runSchedules: true, timers, onAlert: (alert) => alerts.push(alert) }));
  const repository = fixture.repositories[4]!;
  const saved = await service.schedule([{ id: 'nightly', scan: { source: { kind: 'registry', name: 'local', repositories: [repository] }, policyId: null, tagPattern: '*', incremental: true }, everyMinutes: 5 }]);
  assert.deepEqual(await call('scan.schedules', {}), saved, 'kept in the data folder for the app');
  assert.deepEqual(timers.pending().map((t) => t.ms), [300_000]);
  const runs = async () => (await service.history(1000)).filter((s) => s.source === `registry local: ${repository}`).length;
  const before = await runs();

  timers.fire();
  await until(() => timers.pending().length === 1, 'the first scheduled run');
  assert.equal(await runs(), before + 1);
  const both = await Promise.all([service.runScheduleNow('nightly'), service.runScheduleNow('nightly')]);
  assert.deepEqual(both.sort(), [false, true], 'a second start of a running schedule is skipped');
  assert.equal(await runs(), before + 2);
  assert.equal(alerts.length, 0, 'nothing changed, nothing to say');

  const victim = tagsOf('signet').find((k) => k.startsWith(`${repository}:`) && !k.endsWith(':v0'))!;
  await fixture.move(...split(victim), 'rebuilt without a signature');
  remember(victim, 'unsigned', 'unsigned');
  timers.fire();
  await until(() => alerts.length > 0 && timers.pending().length === 1, 'the alert');
  const [latest] = await service.history(1);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.scheduleId, 'nightly');
  assert.equal(alerts[0]!.scanId, latest!.scanId);
  assert.match(alerts[0]!.title, /coverage dropped/i);
  assert.ok(alerts[0]!.body.includes(`${victim} is now unsigned`), alerts[0]!.body);

  const handedOver = tagsOf('signet').find((k) => k.startsWith(`${repository}:`) && !k.endsWith(':v0') && k !== victim)!;
  await fixture.move(...split(handedOver), 'rebuilt by the second team');
  await fixture.bulkSign(split(handedOver)[0], split(handedOver)[1], otherKey);
  timers.fire();
  await until(() => alerts.length > 1 && timers.pending().length === 1, 'the second alert');
  assert.match(alerts[1]!.title, /^Signer changed: registry local/);
  assert.match(alerts[1]!.body, new RegExp(`Signer changed \\(1\\): ${handedOver}: ${fixture.signetKey.label}.* → second team`));

  await service.close();
  assert.deepEqual(timers.pending(), [], 'closing stops the timers');
  assert.equal(await service.runScheduleNow('nightly'), false);
});

test('with a policy, each image carries its verdict and whether it would be admitted; a policy change invalidates reuse', async () => {
  let policy: Policy = { id: 'prod', name: 'Production', description: '', rules: [{ scope: '*', signers: [{ kind: 'key', keyId: fixture.signetKey.id }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }], updatedAt: '2025-01-01T00:00:00.000Z' };
  const asked: string[] = [];
  let broken = false;
  const verified = new Set([...fixture.expected].filter(([, c]) => c === 'verified').map(([key]) => fixture.digests.get(key)));
  const policies = {
    get: async (id: string) => {
      if (id !== policy.id) throw new Error(`no policy ${id}`);
      return policy;
    },
    evaluate: async (policyId: string, reference: string): Promise<PolicyEvaluation> => {
      if (broken) throw new Error('the policy engine is down');
      asked.push(reference);
      const digest = reference.split('@')[1]!;
      const pass = verified.has(digest);
      return { reference, digest, policyId, rule: '*', verdict: pass ? 'pass' : 'fail', enforcement: 'enforce', admitted: pass, acceptedSigners: [], reasons: [] };
    },
  };
  const service = new ScanService(deps({ policies }));
  const repository = fixture.repositories[6]!;
  const input = { source: { kind: 'registry' as const, name: 'local', repositories: [repository] }, policyId: 'prod', tagPattern: '*', incremental: true };
  const first = await service.get((await service.start(input, 'electron')).scanId);
  assert.equal(first.summary.policyId, 'prod');
  const roots = first.images.filter((i) => !i.platform);
  assert.equal(asked.length, first.images.length, 'every manifest judged');
  assert.ok(asked.every((r) => r.startsWith(`${new URL(proxy.url).host}/${repository}@sha256:`)), asked[0]);
  for (const image of roots) {
    const pass = verified.has(fixture.digests.get(keyOf(image)));
    assert.deepEqual([image.policyVerdict, image.admitted], [pass ? 'pass' : 'fail', pass], keyOf(image));
  }
  const again = await service.get((await service.start(input, 'electron')).scanId);
  assert.equal(reusedCount(again), again.images.length);
  assert.equal(asked.length, first.images.length, 'reused verdicts are not judged again');
  assert.deepEqual(again.images.map((i) => i.policyVerdict), first.images.map((i) => i.policyVerdict));

  policy = { ...policy, updatedAt: '2025-02-01T00:00:00.000Z' };
  const changed = await service.get((await service.start(input, 'electron')).scanId);
  assert.equal(reusedCount(changed), 0);
  assert.equal(asked.length, 2 * first.images.length);

  broken = true;
  const unjudged = await service.get((await service.start({ ...input, incremental: false }, 'electron')).scanId);
  assert.ok(unjudged.images.every((i) => i.policyVerdict === null && i.admitted === null));
  assert.ok(unjudged.summary.missing.some((m) => /policy verdict .*the policy engine is down/.test(m)), unjudged.summary.missing.join());
  assert.deepEqual(unjudged.summary.counts, first.summary.counts, 'the signatures are still classified');
  await assert.rejects(service.start({ ...input, policyId: 'nope' }, 'electron'), /no policy nope/);
});

test('an image layout on disk is scanned the same way, without the network', async () => {
  const layout = join(work, 'layout');
  const host = new URL(proxy.url).host;
  const signed = tagsOf('signet')[0]!;
  const unsigned = tagsOf('unsigned')[0]!;
  await run(join(tools, 'oras'), ['cp', '--from-plain-http', `${host}/${signed}`, '--to-oci-layout', `${layout}:release`]);
  await run(join(tools, 'oras'), ['cp', '--from-plain-http', `${host}/${unsigned}`, '--to-oci-layout', `${layout}:dev`]);
  await app.settings.update({ layouts: [{ name: 'offline', path: layout }] });
  const reference = `oci:${layout}:release`;
  const plan = await call<SignPlan>('signing.plan', { reference });
  const intent = await call<SignIntentView>('signing.prepare', { reference, digest: plan.digest, manifests: [plan.digest], keyId: fixture.signetKey.id, format: 'cosign' });
  await call('signing.confirm', { intentId: intent.intentId });

  const summary = await call<ScanSummary>('scan.start', { source: { kind: 'layout', name: 'offline' } });
  const images = (await record(summary.scanId)).images;
  assert.deepEqual(
    images.map((i) => [i.repository, i.tag, i.coverage]),
    [
      ['offline', 'dev', 'unsigned'],
      ['offline', 'release', 'verified'],
    ],
  );
  assert.equal(summary.requests, 0);
  assert.equal(summary.source, 'layout offline');
  const again = await record((await call<ScanSummary>('scan.start', { source: { kind: 'layout', name: 'offline' } })).scanId);
  assert.equal(reusedCount(again), 2);
});

test("with the app's own policy service, a scan records each image's policy verdict", async () => {
  const host = new URL(proxy.url).host;
  const repository = fixture.repositories[8]!;
  await app.policies.save({ id: 'fleet', name: 'Fleet', description: '', rules: [{ scope: `${host}/fleet/*`, signers: [{ kind: 'key', keyId: fixture.signetKey.id }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }] }, 'cli');
  const summary = await scan({ source: { kind: 'registry', name: 'local', repositories: [repository] }, policyId: 'fleet' });
  const images = (await record(summary.scanId)).images;
  assert.deepEqual(summary.missing, []);
  for (const image of images) {
    const kind = fixture.kinds.get(`${image.repository}:${image.tag}`);
    if (kind === 'signet' || kind === 'index') assert.deepEqual([image.policyVerdict, image.admitted], ['pass', true], keyOf(image));
    if (kind === 'unsigned' || kind === 'tampered') assert.deepEqual([image.policyVerdict, image.admitted], ['fail', false], keyOf(image));
    assert.notEqual(image.policyVerdict, null, keyOf(image));
  }
  assert.ok(images.some((i) => i.policyVerdict === 'pass') && images.some((i) => i.policyVerdict === 'fail'), images.map((i) => `${i.tag} ${i.policyVerdict}`).join());
});
