import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { type Client } from '../../shared/client.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { Happened, Lesson } from '../../shared/model/workshop.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { run, waitFor } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, type SoftHsm } from '../support/softhsm.fixture.ts';
import { connectToHost } from '../support/host-client.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** Steps main asks to have confirmed before it runs them, like the real thing. */
const CONFIRMED = new Set(['sign', 'rotate', 'revoke']);
const STEP_TIMEOUT = 120_000;

/** A lesson a trainer added, whose last step expects something it will not show, so the screen has to say so. */
const TRAINER_LESSON = {
  id: 'trainer-quick-check',
  title: 'Quick check (added by the trainer)',
  summary: 'Make a key, then look at an image nobody signed; the last step expects the wrong verdict on purpose.',
  steps: [
    { id: 'make-key', title: 'Make a key', explanation: 'A key of the sandbox, made for this lesson.', action: { kind: 'generate-key', key: 'bob' }, expect: { mentions: 'fingerprint' } },
    { id: 'check-other', title: 'Look at the other image', explanation: 'Nobody signed the other image.', action: { kind: 'verify', image: 'other' }, expect: { verdict: 'unsigned' } },
    { id: 'wrong-guess', title: 'Expect too much', explanation: 'The lesson file claims this image verifies; it does not.', action: { kind: 'verify', image: 'other' }, expect: { verdict: 'verified' } },
  ],
};
/** Steps that must not show what their lesson expects, by lesson and step id. */
const MISSES = new Set(['trainer-quick-check/wrong-guess']);

let hsm: SoftHsm;
let keychain: Keychain;
let registry: Registry;
let stack: BrowserStack;
let page: Page;
let main: { api: Client; close(): void };
let hostUrl: string;

/** The user's own things, as main reported them before the workshop was opened. */
let ownBefore: { keys: KeyRecord[]; settings: Settings; audit: AuditEntry[]; tokens: string; catalog: string; tags: string };
/** What main listed as registry writes and audit entries right after each lesson started. */
const atStart = new Map<string, Happened>();
let lastLesson: Lesson | null = null;
let reviewShown = false;

before(async () => {
  hsm = await startSoftHsm('own-token');
  keychain = await startKeychain();
  registry = await startRegistry();
  await new ImageFactory(registry.url).image('own/app', 'v1', { os: 'linux', architecture: 'amd64' }, 'the user’s own image');
  const home = join(await mkdtemp(join(tmpdir(), 'signet-workshop-e2e-')), 'home');

  // The user's own key and registry, made before the host starts, in the same data folder and keychain.
  const app = await createTestApp({ probes: quietProbes, env: { SIGNET_HOME: home } });
  try {
    await app.settings.update({ registries: [{ name: 'own', url: registry.url, insecure: false }] });
    await app.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'own release key' }, 'cli');
  } finally {
    await app.cleanup();
  }
  // A trainer's lessons folder: one lesson of their own, and one file that is not a valid lesson.
  await mkdir(join(home, 'lessons'), { recursive: true });
  await writeFile(join(home, 'lessons', 'quick-check.json'), JSON.stringify(TRAINER_LESSON, null, 2));
  await writeFile(join(home, 'lessons', 'broken.json'), JSON.stringify({ id: 'Not A Slug', title: '', steps: [] }));

  stack = await startBrowserStack({ ...keychain.env, SOFTHSM2_CONF: hsm.conf, SIGNET_HOME: home, SIGNET_TOOLS_DIR: join(root, '.tools/bin') });
  hostUrl = stack.url;
  main = await connectToHost(hostUrl);
  ownBefore = await ownThings();
  assert.ok(ownBefore.keys.some((k) => k.label === 'own release key'), 'the user has a key of their own');
  assert.ok(ownBefore.settings.registries.some((r) => r.name === 'own'), 'the user has a registry of their own');
  assert.match(ownBefore.tokens, /^own-token /m, 'the user has a SoftHSM token of their own');

  page = await openScreen(stack.browser, hostUrl, 'workshop', 'Workshop');
});

after(async () => {
  main?.close();
  await stack?.stop();
  await registry?.stop();
  await keychain?.stop();
  await hsm?.cleanup();
});


// Everything of the user's that the workshop must leave alone: keys, settings, audit log, their token and their registry.
async function ownThings(): Promise<typeof ownBefore> {
  // The workshop may add a lab token of its own next to the user's; the user's tokens must stay as they were.
  const slots = await run('softhsm2-util', ['--show-slots'], { env: { ...process.env, SOFTHSM2_CONF: hsm.conf } });
  const tokens = slots
    .split(/\n(?=Slot )/)
    .map((slot) => ({ label: /^\s*Label:\s*(.*?)\s*$/m.exec(slot)?.[1] ?? '', serial: /^\s*Serial number:\s*(.*?)\s*$/m.exec(slot)?.[1] ?? '' }))
    .filter((token) => token.label !== '' && !token.label.startsWith('signet-workshop'))
    .map((token) => `${token.label} ${token.serial}`)
    .sort()
    .join('\n');
  return {
    keys: await main.api.keys.list({}),
    settings: await main.api.settings.get({}),
    audit: await main.api.audit.list({ limit: 5000 }),
    tokens,
    catalog: await (await fetch(`${registry.url}/v2/_catalog`)).text(),
    tags: await (await fetch(`${registry.url}/v2/own/app/tags/list`)).text(),
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function lessonsOnScreen(): Promise<string[]> {
  const cards = page.getByTestId('workshop-lesson');
  await cards.first().waitFor({ timeout: 20_000 });
  return (await cards.evaluateAll((items) => items.map((i) => i.getAttribute('data-lesson') ?? ''))).filter((id) => id !== '');
}

async function backToList(): Promise<void> {
  const all = page.getByRole('group', { name: 'Lesson controls' }).getByRole('button', { name: 'All lessons' });
  if (await all.isVisible()) await all.click();
  await page.getByRole('heading', { name: 'Lessons', level: 2 }).waitFor();
}

async function startLesson(lesson: Lesson): Promise<void> {
  await backToList();
  const card = page.locator(`[data-testid="workshop-lesson"][data-lesson="${lesson.id}"]`);
  await card.getByRole('button', { name: new RegExp(`^Start( again)? ${escape(lesson.title)}$`) }).click();
  await page.locator(`[data-testid="workshop-lesson-view"][data-lesson="${lesson.id}"]`).waitFor({ timeout: STEP_TIMEOUT });
}

const counter = () => page.getByTestId('workshop-step-counter');

test('the lesson list shows every lesson main offers, with its summary and step count, and the sandbox status', async () => {
  const lessons = await main.api.workshop.lessons({});
  assert.ok(lessons.length > 0, 'main offers at least one lesson (the ones shipped with Signet)');
  const shown = await lessonsOnScreen();
  assert.deepEqual(shown, lessons.map((l) => l.id), 'every lesson is listed, in main’s order');
  for (const lesson of lessons) {
    const card = page.locator(`[data-testid="workshop-lesson"][data-lesson="${lesson.id}"]`);
    assert.equal(await card.getByRole('heading', { level: 3 }).innerText(), lesson.title);
    const text = await card.innerText();
    assert.ok(text.includes(lesson.summary), `${lesson.id}: the summary is shown`);
    assert.match(text, new RegExp(`\\b${lesson.steps.length} steps?\\b`), `${lesson.id}: the step count is shown`);
  }
  const status = await main.api.workshop.status({});
  const sandbox = page.getByTestId('workshop-sandbox');
  assert.equal(await sandbox.getAttribute('data-active'), String(status.active));
  if (!status.active) assert.match(await sandbox.innerText(), /No sandbox is open/);
  assert.ok(lessons.some((l) => l.id === TRAINER_LESSON.id), 'the lesson the trainer added is offered');
  assert.ok(status.notes.some((note) => note.includes('broken.json')), 'main notes the lesson file it could not read');
  const notes = await page.getByTestId('workshop-notes').innerText();
  for (const note of status.notes) assert.ok(notes.includes(note), `the note “${note}” is shown`);
  await page.screenshot({ path: join(SCREENSHOTS, 'workshop-lessons.png'), fullPage: true });
});

test('every lesson runs from start to end through the UI, each step showing what the lesson expects', async () => {
  const lessons = await main.api.workshop.lessons({});
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const listed = await lessonsOnScreen();
  assert.ok(listed.length > 0, 'there is a lesson to run');
  // The trainer's lesson runs first, so the presenter view and the reset below work on a lesson shipped with Signet.
  const ids = [...listed.filter((id) => id === TRAINER_LESSON.id), ...listed.filter((id) => id !== TRAINER_LESSON.id)];
  for (const id of ids) {
    const lesson = byId.get(id);
    assert.ok(lesson, `${id} is a lesson main knows`);
    await startLesson(lesson);
    const status = await main.api.workshop.status({});
    assert.equal(status.active, true, `${id}: the sandbox exists`);
    assert.equal(status.lessonId, id);
    assert.equal(status.step, 0, `${id}: the lesson starts at its first step`);
    assert.ok(status.keyStore !== null && status.imageStore !== null, `${id}: main says where the sandbox keeps keys and images`);
    const sandboxText = await page.getByTestId('workshop-sandbox').innerText();
    assert.match(sandboxText, status.keyStore === 'softhsm' ? /SoftHSM token/ : /software keys/);
    assert.match(sandboxText, status.imageStore === 'registry' ? /registry on this machine/ : /OCI image layout/);
    for (const [name, reference] of Object.entries(status.images)) assert.ok(sandboxText.includes(reference), `${id}: the sample image ${name} is listed`);
    atStart.set(id, await main.api.workshop.happened({}));

    const total = lesson.steps.length;
    let misses = 0;
    for (const [index, step] of lesson.steps.entries()) {
      const where = `${id} step ${index + 1} (${step.id})`;
      assert.equal(await counter().innerText(), `Step ${index + 1} of ${total}`, where);
      const panel = page.getByTestId('workshop-step');
      assert.equal(await panel.getAttribute('data-step'), step.id, where);
      assert.equal(await panel.getByRole('heading', { level: 3 }).first().innerText(), step.title, where);
      assert.equal(await page.getByTestId('workshop-step-state').getAttribute('data-state'), 'next', where);

      await panel.getByRole('button', { name: 'Run this step' }).click();
      const review = page.getByRole('region', { name: 'Review this step' });
      const result = page.locator(`[data-testid="workshop-result"][data-step="${step.id}"]`);
      await review.or(result).first().waitFor({ timeout: STEP_TIMEOUT });
      if (CONFIRMED.has(step.action.kind)) {
        assert.equal(await review.isVisible(), true, `${where}: a ${step.action.kind} step is reviewed before it runs`);
        assert.ok((await review.getByTestId('workshop-review-facts').locator('dt').count()) > 0, `${where}: main states facts to review`);
        assert.equal(await result.count(), 0, `${where}: nothing ran before the confirm`);
        assert.equal((await main.api.workshop.status({})).step, index, `${where}: main has not run the step before the confirm`);
        if (!reviewShown) await page.screenshot({ path: join(SCREENSHOTS, 'workshop-review.png'), fullPage: true });
        reviewShown = true;
      }
      if (await review.isVisible()) await review.getByRole('button', { name: 'Confirm' }).click();
      await result.waitFor({ timeout: STEP_TIMEOUT });
      const outcome = await result.getByTestId('workshop-outcome').innerText();
      if (MISSES.has(`${id}/${step.id}`)) {
        assert.equal(await result.getAttribute('data-as-expected'), 'false', `${where} must not pass; main said: ${outcome}`);
        assert.match(await result.getByTestId('workshop-not-expected').innerText(), /^This step did not show what the lesson expects \(the lesson expects that the chain verdict is “verified”\)/);
        assert.match(await page.getByTestId('workshop-step-state').innerText(), /not as the lesson expects/);
        await page.screenshot({ path: join(SCREENSHOTS, 'workshop-not-expected.png'), fullPage: true });
        misses++;
      } else {
        assert.equal(await result.getAttribute('data-as-expected'), 'true', `${where} shows what the lesson expects; main said: ${outcome}`);
        assert.match(await result.innerText(), /Showed what the lesson expects/);
        assert.match(await page.getByTestId('workshop-step-state').innerText(), /ran, as the lesson expects/);
      }
      if (step.expect.mentions) {
        const said = (await page.getByTestId('workshop-lesson-view').innerText()).toLowerCase();
        assert.ok(said.includes(step.expect.mentions.toLowerCase()), `${where}: the screen shows “${step.expect.mentions}”`);
      }
      if (step.expect.verdict && !MISSES.has(`${id}/${step.id}`)) {
        const summary = page.getByTestId('workshop-chain-summary');
        assert.equal(await summary.getAttribute('data-step'), String(index + 1), `${where}: the picture is the one this step made`);
        assert.equal(await summary.getAttribute('data-verdict'), step.expect.verdict, `${where}: the chain picture says ${step.expect.verdict}`);
        assert.ok((await page.locator('.workshop-graph .react-flow__node').count()) > 0, `${where}: the chain is drawn`);
      }
      await waitFor(`${where} counted by main`, async () => (await main.api.workshop.status({})).step === index + 1, 10_000);
      if (index < total - 1) {
        await page.getByRole('navigation', { name: 'Move between steps' }).getByRole('button', { name: 'Next →' }).click();
        await counter().filter({ hasText: `Step ${index + 2} of ${total}` }).waitFor();
      }
    }
    const complete = page.getByTestId('workshop-complete');
    await complete.waitFor();
    assert.equal(await complete.getAttribute('data-expected'), String(total - misses), `${id}: every step but the deliberate misses showed what the lesson expects`);
    await page.screenshot({ path: join(SCREENSHOTS, `workshop-${id}-end.png`), fullPage: true });
    lastLesson = lesson;
  }
});

test('the presenter view has large type, a prominent step counter, keyboard steps and a "what happened" panel that matches main', async () => {
  const lesson = lastLesson;
  assert.ok(lesson, 'a lesson ran to its end');
  const total = lesson.steps.length;
  const toggle = page.getByRole('button', { name: 'Presenter view' });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await page.locator('[data-testid="workshop-screen"][data-presenter="true"]').waitFor();
  const size = (locator: Locator) => locator.evaluate((element) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(element).fontSize));
  assert.ok((await size(counter())) >= 32, 'the step counter reads from the back of the room');
  assert.ok((await size(page.locator('.workshop-explanation'))) >= 22, 'the explanation is large');

  if (total > 1) {
    await page.locator('.workshop-step-title').click();
    await page.keyboard.press('ArrowLeft');
    await counter().filter({ hasText: `Step ${total - 1} of ${total}` }).waitFor();
    await page.keyboard.press('PageDown');
    await counter().filter({ hasText: `Step ${total} of ${total}` }).waitFor();
  }

  const show = page.getByRole('button', { name: 'Show what happened' });
  await show.click();
  const panel = page.getByTestId('workshop-happened');
  await panel.waitFor();
  assert.equal(await page.getByRole('button', { name: 'Hide what happened' }).getAttribute('aria-expanded'), 'true');
  const happened = await main.api.workshop.happened({});
  await page.locator(`[data-testid="workshop-happened"][data-entries="${happened.auditEntries.length}"][data-writes="${happened.registryWrites.length}"]`).waitFor();
  assert.ok(happened.auditEntries.length > 0, 'running a whole lesson left entries in the sandbox audit log');
  assert.equal(await panel.getByTestId('happened-entry').count(), happened.auditEntries.length);
  assert.equal(await panel.getByTestId('happened-write').count(), happened.registryWrites.length);
  const text = await panel.innerText();
  for (const entry of happened.auditEntries) assert.ok(text.includes(entry.summary), `the entry “${entry.summary}” is listed`);
  const before = atStart.get(lesson.id);
  assert.ok(before, 'what happened at the lesson start was recorded');
  assert.ok(happened.auditEntries.length > before.auditEntries.length, 'the lesson’s steps show up in the audit entries');
  await page.screenshot({ path: join(SCREENSHOTS, 'workshop-presenter.png'), fullPage: true });
});

test('the lesson view and presenter view pass an automated WCAG 2.1 AA audit (axe-core)', async () => {
  // The app's CSP allows no injected script; the audit engine runs only in this context of its own.
  const context: BrowserContext = await stack.browser.newContext({ viewport: { width: 1440, height: 1000 }, bypassCSP: true });
  try {
    const audited = await context.newPage();
    const address = new URL(hostUrl);
    address.search = '?screen=workshop';
    await audited.goto(address.toString());
    // A lesson under way in main opens where it stands.
    await audited.getByTestId('workshop-lesson-view').waitFor({ timeout: 20_000 });
    for (const view of ['lesson', 'presenter'] as const) {
      if (view === 'presenter') {
        await audited.getByRole('button', { name: 'Presenter view' }).click();
        await audited.getByRole('button', { name: 'Show what happened' }).click();
        await audited.getByTestId('workshop-happened').waitFor();
      }
      await audited.addScriptTag({ path: axeSource });
      const violations = await audited.evaluate(async (tags) => {
        const scope = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } };
        return (await scope.axe.run(scope.document, { runOnly: { type: 'tag', values: tags } })).violations;
      }, AXE_TAGS);
      assert.equal(violations.length, 0, `${view}: ${violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n')}`);
    }
  } finally {
    await context.close();
  }
});

test('reset brings the sandbox back to the lesson start, and its first step runs again as expected', async () => {
  const lesson = lastLesson;
  assert.ok(lesson, 'a lesson ran to its end');
  const total = lesson.steps.length;
  await page.getByRole('button', { name: 'Reset to the lesson start' }).click();
  await page.getByTestId('workshop-notice').waitFor({ timeout: STEP_TIMEOUT });
  assert.equal(await counter().innerText(), `Step 1 of ${total}`);
  assert.equal(await page.getByTestId('workshop-step-state').getAttribute('data-state'), 'next');
  assert.equal(await page.getByTestId('workshop-result').count(), 0, 'no step shows a result');
  assert.equal(await page.getByTestId('workshop-complete').count(), 0);
  assert.equal(await page.getByTestId('workshop-chain-summary').count(), 0, 'the picture is back to before the first step');
  const status = await main.api.workshop.status({});
  assert.equal(status.active, true);
  assert.equal(status.lessonId, lesson.id);
  assert.equal(status.step, 0, 'main is back at the first step');
  const happened = await main.api.workshop.happened({});
  const start = atStart.get(lesson.id)!;
  assert.equal(happened.auditEntries.length, start.auditEntries.length, 'the audit entries are those of a fresh start');
  assert.equal(happened.registryWrites.length, start.registryWrites.length, 'the registry writes are those of a fresh start');
  if (await page.getByTestId('workshop-happened').isVisible()) await page.locator(`[data-testid="workshop-happened"][data-entries="${start.auditEntries.length}"][data-writes="${start.registryWrites.length}"]`).waitFor();

  // The first step runs again, which it could not if the sandbox still held what the lesson made.
  const first = lesson.steps[0]!;
  await page.getByTestId('workshop-step').getByRole('button', { name: 'Run this step' }).click();
  const review = page.getByRole('region', { name: 'Review this step' });
  const result = page.locator(`[data-testid="workshop-result"][data-step="${first.id}"]`);
  await review.or(result).first().waitFor({ timeout: STEP_TIMEOUT });
  if (await review.isVisible()) await review.getByRole('button', { name: 'Confirm' }).click();
  await result.waitFor({ timeout: STEP_TIMEOUT });
  assert.equal(await result.getAttribute('data-as-expected'), 'true', await result.innerText());
  await page.screenshot({ path: join(SCREENSHOTS, 'workshop-after-reset.png'), fullPage: true });
});

test('leaving the workshop says so, and the user’s own keys, settings, audit log, token and registry are exactly as before', async () => {
  await page.getByRole('group', { name: 'Lesson controls' }).getByRole('button', { name: 'Leave workshop' }).click();
  const left = page.getByTestId('workshop-left');
  await left.waitFor({ timeout: STEP_TIMEOUT });
  assert.match(await left.innerText(), /your own keys, registries and audit log are as they were/);
  assert.equal(await page.getByTestId('workshop-sandbox').getAttribute('data-active'), 'false');
  const status = await main.api.workshop.status({});
  assert.equal(status.active, false, 'main removed the sandbox');
  assert.equal(status.lessonId, null);

  const ownAfter = await ownThings();
  assert.deepEqual(ownAfter.keys, ownBefore.keys, 'the user’s keys');
  assert.deepEqual(ownAfter.settings, ownBefore.settings, 'the user’s settings');
  assert.deepEqual(ownAfter.audit, ownBefore.audit, 'the user’s audit log');
  assert.equal(ownAfter.tokens, ownBefore.tokens, 'the user’s SoftHSM tokens');
  assert.equal(ownAfter.catalog, ownBefore.catalog, 'the user’s registry repositories');
  assert.equal(ownAfter.tags, ownBefore.tags, 'the user’s registry tags');
  await page.screenshot({ path: join(SCREENSHOTS, 'workshop-left.png'), fullPage: true });
});
