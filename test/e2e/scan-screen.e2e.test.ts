import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createClient, RequestFailed, type Client } from '../../shared/client.ts';
import { CoverageClassSchema, ScanRecordSchema, type CoverageClass } from '../../shared/model/scan.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack, watchStates } from '../support/browser.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory, type Pushed } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { connectToHost } from '../support/host-client.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const NO_CLASS: Record<CoverageClass, number> = { verified: 0, failing: 0, unsigned: 0, 'revoked-or-expired': 0, untrusted: 0, unreadable: 0 };

let registry: Registry;
let registryHost: string;
let keychain: Keychain;
let stack: BrowserStack;
let page: Page;
let main: { api: Client; close(): void };
let factory: ImageFactory;
let releaseKey: string;
let slow: { url: string; close(): Promise<void> } | undefined;
/** Every tag pushed, by `repository:tag`. */
const pushed = new Map<string, Pushed>();
/** The scans the UI started, oldest first. */
const scans: string[] = [];

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  keychain = await startKeychain();
  const work = await mkdtemp(join(tmpdir(), 'signet-scan-e2e-'));
  const home = join(work, 'home');
  factory = new ImageFactory(registry.url);

  // Six tagged images in three repositories of two namespaces.
  for (const [repository, tag] of [
    ['shop/app', 'v1'],
    ['shop/app', 'v2'],
    ['shop/app', 'v3'],
    ['shop/api', 'v1'],
    ['shop/api', 'v2'],
    ['team/worker', '1.0'],
  ] as const) {
    pushed.set(`${repository}:${tag}`, await factory.image(repository, tag, AMD64, `${repository} ${tag}`));
  }

  // Signed before the host starts, in the same data folder and the same private keychain: three by a good key, one by a key revoked since.
  const confirmations = new ScriptedConfirmation();
  const app = await createTestApp({ probes: quietProbes, confirmations, env: { SIGNET_HOME: home } });
  try {
    await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    const local = createClient((channel, input) => app.dispatch(channel, input, { host: 'cli' }));
    const good = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release signing' }, 'cli');
    const leaked = await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'leaked key' }, 'cli');
    releaseKey = good.id;
    for (const name of ['shop/app:v1', 'shop/app:v2', 'shop/api:v1']) await signImage(local, `${registryHost}/${name}`, good.id);
    await signImage(local, `${registryHost}/shop/api:v2`, leaked.id);
    await app.keys.revoke(leaked.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 86_400_000).toISOString() }, 'cli');
    assert.equal(confirmations.shown.length, 4, 'each signature was confirmed once');
  } finally {
    await app.cleanup();
  }

  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home });
  main = await connectToHost(stack.url);
  page = await openScreen(stack.browser, stack.url, 'scan', 'Scan');
});

after(async () => {
  await slow?.close();
  main?.close();
  await stack?.stop();
  await keychain?.stop();
  await registry?.stop();
});

// Plan, review and confirm one image the way the Sign screen does, through whichever client is given.
async function signImage(client: Client, reference: string, keyId: string): Promise<void> {
  const plan = await client.signing.plan({ reference });
  const intent = await client.signing.prepare({ reference, digest: plan.digest, manifests: [plan.digest], keyId, format: 'cosign' });
  const result = await client.signing.confirm({ intentId: intent.intentId });
  assert.deepEqual(
    result.signed.map((s) => s.verdict),
    ['verified'],
    `${reference} signed and verified`,
  );
}

// A loopback proxy that holds every request before passing it on, so a scan through it is slow enough to cancel by hand.
async function startSlowProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    setTimeout(() => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: { ...request.headers, host: upstream.host } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forward.on('error', () => response.writeHead(502).end());
      request.pipe(forward);
    }, delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}



async function openScan(): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Scan' }).click();
  await page.getByRole('heading', { name: 'Scan', level: 1 }).waitFor();
}

// Starts a scan of the whole catalog from the form and waits for its summary; returns the new scan's id.
async function scanCatalog(): Promise<string> {
  await openScan();
  const source = page.getByLabel('Source');
  assert.equal(await source.inputValue(), 'registry:local', 'the configured registry is offered first');
  await page.getByLabel('The whole catalog').check();
  await page.getByRole('button', { name: 'Start scan' }).click();
  const previous = scans.at(-1);
  const summary = page.locator(`[data-testid="scan-summary"]${previous ? `:not([data-scan="${previous}"])` : ''}`);
  const failed = page.getByRole('form', { name: 'Scan for signature coverage' }).getByRole('alert');
  await summary.or(failed).first().waitFor({ timeout: 120_000 });
  if ((await failed.count()) > 0) assert.fail(`the scan failed: ${await failed.innerText()}`);
  const scanId = (await summary.getAttribute('data-scan'))!;
  scans.push(scanId);
  return scanId;
}

async function shownCounts(): Promise<Record<CoverageClass, number>> {
  const rows = await page.getByTestId('coverage-count').evaluateAll((items) => items.map((i) => [i.getAttribute('data-class'), Number(i.getAttribute('data-count'))] as const));
  return Object.fromEntries(rows) as Record<CoverageClass, number>;
}

async function rowKeys(): Promise<{ repository: string; tag: string; coverage: string; digest: string }[]> {
  return page.getByTestId('scan-row').evaluateAll((rows) =>
    rows.map((r) => ({ repository: r.getAttribute('data-repository') ?? '', tag: r.getAttribute('data-tag') ?? '', coverage: r.getAttribute('data-coverage') ?? '', digest: r.getAttribute('data-digest') ?? '' })),
  );
}

test('a scan of the whole catalog counts what was pushed and signed, per coverage class, in words and in the chart', async () => {
  await openScan();
  const progressSeen = await watchStates(page, 'scan-progress', ['data-scan', 'data-done', 'data-total']);
  const scanId = await scanCatalog();
  const seen = await progressSeen();
  assert.ok(seen.length > 0, 'a progress bar was shown while scanning');
  assert.ok(
    seen.some((s) => s.startsWith(`${scanId}/`)),
    `the progress named the scan it belongs to: ${seen.join(', ')}`,
  );

  const summary = page.getByTestId('scan-summary');
  assert.equal(await summary.getAttribute('data-total'), String(pushed.size), 'one image per pushed tag');
  assert.equal(await summary.getAttribute('data-cancelled'), 'false');
  const expected = { ...NO_CLASS, verified: 3, 'revoked-or-expired': 1, unsigned: 2 };
  assert.deepEqual(await shownCounts(), expected);
  assert.equal(await page.getByTestId('scan-coverage').innerText(), '50%');
  // The chart draws one segment per class present, each named in words in its title.
  const segments = await page.getByTestId('coverage-segment').evaluateAll((items) => items.map((i) => ({ coverage: i.getAttribute('data-class'), count: Number(i.getAttribute('data-count')), title: i.querySelector('title')?.textContent ?? '' })));
  assert.deepEqual(
    segments.map((s) => [s.coverage, s.count]),
    [
      ['verified', 3],
      ['unsigned', 2],
      ['revoked-or-expired', 1],
    ],
  );
  assert.match(segments[0]!.title, /^signed and verified: 3 of 6/);
  assert.match(await summary.innerText(), /signed by a revoked or expired key/);
  assert.equal(await page.getByTestId('coverage-chart').getAttribute('role'), 'img');

  // Main recorded the same numbers the screen shows.
  const record = ScanRecordSchema.parse(await main.api.scan.get({ scanId }));
  assert.deepEqual({ ...NO_CLASS, ...record.summary.counts }, expected);
  assert.deepEqual(record.images.map((i) => `${i.repository.replace(`${registryHost}/`, '')}:${i.tag}`).sort(), [...pushed.keys()].sort());
  for (const image of record.images) {
    const key = `${image.repository.replace(`${registryHost}/`, '')}:${image.tag}`;
    assert.equal(image.digest, pushed.get(key)?.digest, `${key} is listed at the digest that was pushed`);
  }
  await summary.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'scan-summary.png'), fullPage: true });
});

test('the image table sorts by its column headers and filters by coverage class and by repository or tag', async () => {
  const table = page.getByTestId('scan-table');
  assert.equal(await page.getByTestId('scan-row').count(), pushed.size);
  const header = (name: string) => table.getByRole('columnheader', { name, exact: true });

  await header('Coverage').getByRole('button').click();
  assert.equal(await header('Coverage').getAttribute('aria-sort'), 'ascending');
  assert.equal(await header('Repository').getAttribute('aria-sort'), 'none');
  const order = CoverageClassSchema.options as readonly string[];
  const ascending = (await rowKeys()).map((r) => order.indexOf(r.coverage));
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), 'verified first, then the worse classes');
  assert.equal((await rowKeys())[0]?.coverage, 'verified');

  // The same header again, from the keyboard, reverses the order.
  await header('Coverage').getByRole('button').focus();
  await page.keyboard.press('Enter');
  assert.equal(await header('Coverage').getAttribute('aria-sort'), 'descending');
  const descending = (await rowKeys()).map((r) => order.indexOf(r.coverage));
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a));

  await header('Tag').getByRole('button').click();
  assert.equal(await header('Tag').getAttribute('aria-sort'), 'ascending');
  assert.equal(await header('Coverage').getAttribute('aria-sort'), 'none');
  const tags = (await rowKeys()).map((r) => r.tag);
  assert.deepEqual(tags, ['1.0', 'v1', 'v1', 'v2', 'v2', 'v3']);

  await page.getByLabel('Coverage', { exact: true }).selectOption('unsigned');
  const unsigned = await rowKeys();
  assert.deepEqual(unsigned.map((r) => `${r.repository.replace(`${registryHost}/`, '')}:${r.tag}`).sort(), ['shop/app:v3', 'team/worker:1.0']);
  assert.equal(await page.getByTestId('scan-row-count').getAttribute('data-count'), '2');

  await page.getByLabel('Repository or tag contains').fill('worker');
  assert.deepEqual(
    (await rowKeys()).map((r) => r.tag),
    ['1.0'],
  );
  await page.getByLabel('Coverage', { exact: true }).selectOption('all');
  await page.getByLabel('Repository or tag contains').fill('v2');
  assert.deepEqual((await rowKeys()).map((r) => r.repository.replace(`${registryHost}/`, '')).sort(), ['shop/api', 'shop/app']);
  await page.getByLabel('Repository or tag contains').fill('');
  assert.equal(await page.getByTestId('scan-row').count(), pushed.size);
  // Coverage is said in words in each row, not only by colour.
  const revoked = page.locator('[data-testid="scan-row"][data-coverage="revoked-or-expired"]');
  assert.match(await revoked.innerText(), /signed by a revoked or expired key/);
});

test('Inspect on a row opens the Images screen at repository@digest', async () => {
  const v1 = pushed.get('shop/app:v1')!;
  const row = page.locator(`[data-testid="scan-row"][data-digest="${v1.digest}"]`);
  assert.equal(await row.getAttribute('data-coverage'), 'verified');
  assert.equal(await row.locator(`[title="${v1.digest}"]`).count(), 1, 'the full digest is in the short digest’s title');
  await row.getByRole('button', { name: /^Inspect / }).click();
  await page.getByRole('heading', { name: 'Images', level: 1 }).waitFor();
  await page.locator(`[data-testid="chain-summary"][data-for="${registryHost}/shop/app@${v1.digest}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('chain-summary').getAttribute('data-verdict'), 'verified');
});

test('signing another image and scanning again adds a point to the trend, and the diff names what changed', async () => {
  await signImage(main.api, `${registryHost}/shop/app:v3`, releaseKey);
  const first = scans[0]!;
  const second = await scanCatalog();
  assert.notEqual(second, first);
  assert.deepEqual(await shownCounts(), { ...NO_CLASS, verified: 4, 'revoked-or-expired': 1, unsigned: 1 });
  assert.equal(await page.getByTestId('scan-coverage').innerText(), '67%');

  const chart = page.getByTestId('trend-chart');
  assert.equal(await chart.getAttribute('data-points'), '2');
  const points = await page.getByTestId('trend-point').evaluateAll((items) => items.map((i) => ({ scan: i.getAttribute('data-scan'), coverage: Number(i.getAttribute('data-coverage')) })));
  assert.deepEqual(points, [
    { scan: first, coverage: 0.5 },
    { scan: second, coverage: 4 / 6 },
  ]);
  assert.match((await chart.locator('desc').textContent()) ?? '', /2 scans .* from 50% to 67%/);

  const history = page.getByTestId('history-row');
  assert.equal(await history.count(), 2);
  for (const scanId of [first, second]) await page.locator(`[data-testid="history-row"][data-scan="${scanId}"]`).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Compare the two ticked scans' }).click();
  const diff = page.getByTestId('scan-diff');
  await diff.waitFor({ timeout: 30_000 });
  assert.equal(await diff.getAttribute('data-from'), first, 'the older scan is the starting point');
  assert.equal(await diff.getAttribute('data-to'), second);
  assert.equal(await page.getByTestId('diff-coverage').getAttribute('data-count'), '1');
  assert.match(await page.getByTestId('diff-coverage').innerText(), /shop\/app:v3[\s\S]*unsigned → [\s\S]*signed and verified/);
  for (const part of ['unsigned', 'added', 'removed']) assert.equal(await page.getByTestId(`diff-${part}`).getAttribute('data-count'), '0', part);
  const direct = await main.api.scan.diff({ from: first, to: second });
  assert.deepEqual(
    direct.coverageChanged.map((c) => [c.repository.replace(`${registryHost}/`, ''), c.tag, c.before, c.after]),
    [['shop/app', 'v3', 'unsigned', 'verified']],
  );
  await page.getByRole('region', { name: 'History' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'scan-trend.png'), fullPage: true });

  // An earlier scan can be opened again from the history.
  await page.locator(`[data-testid="history-row"][data-scan="${first}"]`).getByRole('button').click();
  await page.locator(`[data-testid="scan-summary"][data-scan="${first}"]`).waitFor();
  assert.deepEqual(await shownCounts(), { ...NO_CLASS, verified: 3, 'revoked-or-expired': 1, unsigned: 2 });
  await page.locator(`[data-testid="history-row"][data-scan="${second}"]`).getByRole('button').click();
  await page.locator(`[data-testid="scan-summary"][data-scan="${second}"]`).waitFor();
});

test('Export CSV saves the scan with a header row and a row per image', async () => {
  const v3 = pushed.get('shop/app:v3')!;
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const text = await readFile((await download.path())!, 'utf8');
  const lines = text.trim().split(/\r?\n/);
  const head = (lines[0] ?? '').toLowerCase();
  for (const column of ['repository', 'tag', 'digest', 'coverage']) assert.ok(head.includes(column), `the header row names ${column}: ${lines[0]}`);
  assert.equal(lines.length, 1 + pushed.size, 'a header row and one row per image');
  const row = lines.find((line) => line.includes(v3.digest));
  assert.ok(row, 'shop/app:v3 has a row');
  assert.match(row, /shop\/app/);
  assert.match(row, /v3/);
  assert.match(row, /verified/);
});

test('a scheduled re-scan can be added and removed, and main keeps it', async () => {
  await page.getByLabel('Minutes between re-runs of the scan chosen above').fill('90');
  await page.getByRole('button', { name: 'Add schedule' }).click();
  const schedule = page.getByTestId('scan-schedule');
  await schedule.waitFor();
  assert.match(await schedule.innerText(), /whole catalog of local[\s\S]*every 90 min/);
  const kept = await main.api.scan.schedules({});
  assert.equal(kept.length, 1);
  assert.equal(kept[0]?.everyMinutes, 90);
  assert.deepEqual(kept[0]?.scan.source, { kind: 'registry', name: 'local', repositories: null });

  await page.getByLabel('Minutes between re-runs of the scan chosen above').fill('2');
  await page.getByRole('button', { name: 'Add schedule' }).click();
  assert.match(await page.getByRole('region', { name: 'Scheduled re-scans' }).getByRole('alert').innerText(), /whole number of minutes from 5/);
  assert.equal((await main.api.scan.schedules({})).length, 1, 'nothing was stored');

  await schedule.getByRole('button', { name: /^Remove/ }).click();
  await schedule.waitFor({ state: 'detached' });
  assert.deepEqual(await main.api.scan.schedules({}), []);
});

test('a scan of listed repositories with a tag pattern and a policy shows the policy verdict of each image', async (t) => {
  await main.api.policies.save({
    id: 'release-only',
    name: 'Release key only',
    description: 'The shop namespace is signed by the release key.',
    rules: [{ scope: `${registryHost}/shop/*`, signers: [{ kind: 'key', keyId: releaseKey }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }],
  });
  // Whether this host can evaluate policies at all: without it every verdict is missing, and the screen must say so.
  const unavailable = await main.api.policies.evaluate({ policyId: 'release-only', reference: `${registryHost}/shop/app:v1` }).then(
    () => null,
    (error: unknown) => {
      if (error instanceof RequestFailed && error.error.code === 'Unavailable') return error.error.message;
      throw error;
    },
  );
  // The policy list is read when the screen opens.
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Images' }).click();
  await page.getByRole('heading', { name: 'Images', level: 1 }).waitFor();
  await openScan();
  await page.getByLabel('Only these repositories').check();
  await page.getByLabel('Repositories to scan').fill('shop/app\nshop/api');
  await page.getByLabel('Tag pattern').fill('v*');
  await page.getByLabel('Policy', { exact: true }).selectOption('release-only');
  await page.getByLabel('Full re-scan').check();
  await page.getByRole('button', { name: 'Start scan' }).click();
  const summary = page.locator(`[data-testid="scan-summary"]:not([data-scan="${scans.at(-1)}"])`);
  await summary.waitFor({ timeout: 120_000 });
  scans.push((await summary.getAttribute('data-scan'))!);
  assert.equal(await summary.getAttribute('data-total'), '5', 'team/worker is not listed and 1.0 does not match v*');
  assert.match(await summary.innerText(), /Policy\s*release-only/);
  const rows = await page.getByTestId('scan-row').evaluateAll((items) => items.map((i) => [`${i.getAttribute('data-repository')}:${i.getAttribute('data-tag')}`, i.getAttribute('data-policy'), i.textContent ?? ''] as const));
  const verdicts = Object.fromEntries(rows.map(([name, verdict]) => [name.replace(`${registryHost}/`, ''), verdict]));
  assert.ok(rows.every(([, , text]) => !/reused/.test(text)), 'a full re-scan reuses nothing');
  if (unavailable) {
    const reason = `this host cannot evaluate policies yet (${unavailable})`;
    console.log(`Scan screen policy verdicts not checked: ${reason}; checking instead that the screen lists each missing verdict.`);
    t.diagnostic(reason);
    assert.ok(
      rows.every(([, verdict]) => verdict === ''),
      'no verdict is invented',
    );
    const missing = await page.getByTestId('scan-missing').innerText();
    for (const name of Object.keys(verdicts)) assert.ok(missing.includes(`the policy verdict of ${name}`), `${name} is listed as missing: ${missing}`);
    assert.match(await summary.innerText(), /partial/);
  } else {
    const missing = (await page.getByTestId('scan-missing').count()) > 0 ? await page.getByTestId('scan-missing').innerText() : 'nothing missing';
    assert.deepEqual(verdicts, { 'shop/api:v1': 'pass', 'shop/api:v2': 'fail', 'shop/app:v1': 'pass', 'shop/app:v2': 'pass', 'shop/app:v3': 'pass' }, missing);
    for (const [name, verdict, text] of rows) assert.match(text, verdict === 'pass' ? /passes/ : /fails/, `${name} says its verdict in words`);
  }
  await page.getByLabel('Policy', { exact: true }).selectOption('');
  await page.getByLabel('Full re-scan').uncheck();
});

test('Cancel stops a running scan; what was checked is kept and the result says it is partial', async () => {
  const many: string[] = [];
  // Eighty images behind a slow proxy: the sixteen checked at once take rounds of nearly a second, so Cancel lands long before the end.
  for (let i = 1; i <= 80; i++) many.push((await factory.image('bulk/many', `r${String(i).padStart(2, '0')}`, AMD64, `many ${i}`)).digest);
  slow = await startSlowProxy(registry.url, 400);
  const settings = await main.api.settings.get({});
  await main.api.settings.update({ registries: [...settings.registries, { name: 'slow', url: slow.url, insecure: false }] });
  await openScan();
  await page.getByLabel('Source').locator('option[value="registry:slow"]').waitFor({ state: 'attached' });
  await page.getByLabel('Source').selectOption('registry:slow');
  await page.getByLabel('Only these repositories').check();
  await page.getByLabel('Repositories to scan').fill('bulk/many');
  await page.getByLabel('Tag pattern').fill('*');
  await page.getByRole('button', { name: 'Start scan' }).click();

  const progress = page.getByTestId('scan-progress');
  await page.locator('[data-testid="scan-progress"][data-total="80"]').waitFor({ timeout: 30_000 });
  assert.match(await progress.innerText(), /Checking signatures: \d+ of 80/);
  const runningId = (await progress.getAttribute('data-scan'))!;
  assert.match(runningId, /^scan-/, 'the progress named the running scan');
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  const summary = page.locator(`[data-testid="scan-summary"][data-scan="${runningId}"]`);
  await summary.waitFor({ timeout: 60_000 });
  scans.push(runningId);
  assert.equal(await summary.getAttribute('data-cancelled'), 'true');
  const total = Number(await summary.getAttribute('data-total'));
  assert.ok(total < many.length, `${total} of ${many.length} checked before the stop`);
  assert.match(await summary.innerText(), /This scan was cancelled/);
  assert.match(await page.getByTestId('scan-missing').innerText(), /tags were not checked: the scan was cancelled/);
  const record = await main.api.scan.get({ scanId: runningId });
  assert.equal(record.summary.cancelled, true);
  assert.equal(record.images.length, total, 'the screen shows every image main kept');
  for (const image of record.images) assert.ok(many.includes(image.digest ?? ''), `${image.tag} is one of the pushed images`);
  await page.screenshot({ path: join(SCREENSHOTS, 'scan-cancelled.png'), fullPage: true });
});
