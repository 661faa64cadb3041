import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Client } from '../../shared/client.ts';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, startBrowserStack } from '../support/browser.ts';
import { connectToHost } from '../support/host-client.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

// Every screen that shows a verdict or a result shows it only beside the input it answers: never after a failed
// request, never while another is on its way, never beside a reference edited since.

const POLICY_ID = 'shop-release';
const POLICY_NAME = 'Shop release';
const AMD64 = { os: 'linux', architecture: 'amd64' };

let registry: Registry;
let registryHost: string;
let keychain: Keychain;
let stack: BrowserStack;
let main: { api: Client; close(): void };
let key: KeyRecord;
let scans: { older: string; newer: string };

const ref = (name: string) => `${registryHost}/${name}`;

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  keychain = await startKeychain();
  const work = await mkdtemp(join(tmpdir(), 'signet-stale-e2e-'));
  const home = join(work, 'home');
  const factory = new ImageFactory(registry.url);
  await factory.image('shop/app', 'v1', AMD64, 'app 1');
  await factory.image('shop/app', 'v2', AMD64, 'app 2');
  await factory.image('shop/fresh', 'v1', AMD64, 'signed on the Sign screen');

  // The key is made before the host starts, in the same data folder and the same (private) keychain.
  const setup = await createTestApp({ probes: quietProbes, env: { SIGNET_HOME: home } });
  try {
    await setup.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
    key = await setup.keys.generate({ backend: { kind: 'software' }, algorithm: 'ecdsa-p256', label: 'release signing' }, 'cli');
  } finally {
    await setup.cleanup();
  }

  stack = await startBrowserStack({ ...keychain.env, SIGNET_HOME: home });
  main = await connectToHost(stack.url);
  const good = ref('shop/app:v1');
  const plan = await main.api.signing.plan({ reference: good });
  const review = await main.api.signing.prepare({ reference: good, digest: plan.digest, manifests: [plan.digest], keyId: key.id, format: 'cosign', timestamp: false, annotations: {} });
  const signed = await main.api.signing.confirm({ intentId: review.intentId });
  assert.deepEqual(
    signed.signed.map((s) => s.verdict),
    ['verified'],
  );
  await main.api.policies.save({
    id: POLICY_ID,
    name: POLICY_NAME,
    description: 'The shop namespace is signed by the release key.',
    rules: [{ scope: `${registryHost}/shop/*`, signers: [{ kind: 'key', keyId: key.id }], threshold: 1, formats: ['cosign'], attestations: [], enforcement: 'enforce' }],
  });
  const scan = { source: { kind: 'registry' as const, name: 'local', repositories: ['shop/app'] }, policyId: null, tagPattern: '*', incremental: true };
  const older = await main.api.scan.start(scan);
  const newer = await main.api.scan.start({ ...scan, source: { ...scan.source, repositories: ['shop/app', 'shop/fresh'] } });
  scans = { older: older.scanId, newer: newer.scanId };
});

after(async () => {
  main?.close();
  await stack?.stop();
  await keychain?.stop();
  await registry?.stop();
});

/** A page whose socket replies for the named channels can be held back, to look at a screen while a request is on its way. */
interface HeldPage {
  page: Page;
  hold(channel: string): void;
  /** Resolves once a reply on the channel is being held. */
  holding(channel: string): Promise<void>;
  release(channel: string): void;
}

// Opens one screen with its socket routed through the test, so chosen replies can wait until released.
async function open(screen: string, heading: string): Promise<HeldPage> {
  const page = await stack.browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const channels = new Map<number, string>();
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  await page.routeWebSocket(/\/ipc/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const request = JSON.parse(String(message)) as { id?: number; channel?: string };
      if (typeof request.id === 'number' && typeof request.channel === 'string') channels.set(request.id, request.channel);
      server.send(message);
    });
    server.onMessage((message) => {
      const reply = JSON.parse(String(message)) as { kind?: string; id?: number };
      const channel = reply.kind === 'result' && typeof reply.id === 'number' ? channels.get(reply.id) : undefined;
      if (channel && held.has(channel)) waiting.set(channel, [...(waiting.get(channel) ?? []), () => ws.send(message)]);
      else ws.send(message);
    });
  });
  const address = new URL(stack.url);
  address.search = `?screen=${screen}`;
  await page.goto(address.toString());
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  return {
    page,
    hold: (channel) => held.add(channel),
    holding: async (channel) => {
      for (let tries = 0; (waiting.get(channel) ?? []).length === 0; tries++) {
        if (tries > 600) throw new Error(`no reply on ${channel} arrived to hold`);
        await new Promise((done) => setTimeout(done, 50));
      }
    },
    release: (channel) => {
      held.delete(channel);
      for (const send of waiting.get(channel) ?? []) send();
      waiting.delete(channel);
    },
  };
}

test('Images: a failed, pending or edited inspect never leaves the earlier verified verdict and chain on screen', async () => {
  const { page, hold, holding, release } = await open('images', 'Images');
  const field = page.getByLabel('Image', { exact: true });
  const column = page.locator('.graph-column');
  const good = ref('shop/app:v1');
  const inspectGood = async () => {
    await field.fill(good);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await page.locator(`[data-testid="chain-summary"][data-for="${good}"][data-verdict="verified"]`).waitFor({ timeout: 30_000 });
    await page.locator('.chain-node').first().waitFor();
  };
  const nothingVerified = async (after: string) => {
    assert.equal(await page.getByTestId('chain-summary').count(), 0, `${after}: no verdict is left on screen`);
    assert.equal(await page.getByTestId('chain-graph').count(), 0, `${after}: no chain is left on screen`);
    assert.equal(await page.locator('.chain-node').count(), 0, `${after}: no chain node is left on screen`);
    assert.equal(await column.locator('.badge-ok').count(), 0, `${after}: no green badge is left on screen`);
    assert.doesNotMatch(await column.innerText(), /\bverified\b/, `${after}: the word verified is not on screen`);
  };

  for (const [bad, words] of [
    [ref('shop/app:no-such-tag'), 'a tag that does not exist'],
    ['UPPER/Case::bad', 'a malformed reference'],
    ['127.0.0.1:1/nothing/here:v1', 'an unreachable registry'],
  ] as const) {
    await inspectGood();
    await field.fill(bad);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await column.getByRole('alert').waitFor({ timeout: 30_000 });
    await page.locator('.progress').waitFor({ state: 'detached' });
    await nothingVerified(`after inspecting ${words}`);
    assert.equal(await field.inputValue(), bad);
    assert.equal(await column.getByRole('alert').count(), 1, `after inspecting ${words}: only the error shows`);
  }

  // Editing the reference after a verified result leaves no verdict beside the edited text.
  await inspectGood();
  await field.fill(ref('shop/app:v2'));
  await nothingVerified('after editing the reference');
  assert.equal(await column.getByRole('alert').count(), 0, 'no error is shown for a reference not yet inspected');

  // While another image is being inspected, the earlier verdict is gone already.
  await inspectGood();
  hold('images.inspect');
  await field.fill(ref('shop/app:v2'));
  await page.getByRole('button', { name: 'Inspect' }).click();
  await holding('images.inspect');
  await nothingVerified('while another inspect is on its way');
  release('images.inspect');
  await page.locator(`[data-testid="chain-summary"][data-for="${ref('shop/app:v2')}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('chain-summary').getAttribute('data-verdict'), 'unsigned');
  await page.close();
});

test('Sign: the plan, the attached chain and the result are only for the reference in the field', async () => {
  const { page } = await open('sign', 'Sign');
  const field = page.getByLabel('Image reference');
  const resolve = async (reference: string) => {
    await field.fill(reference);
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('pinned-digest').waitFor({ timeout: 30_000 });
  };
  const nothingResolved = async (after: string) => {
    assert.equal(await page.getByTestId('sign-plan').count(), 0, `${after}: no plan is left on screen`);
    assert.equal(await page.getByTestId('sign-chain-summary').count(), 0, `${after}: no attached chain is left on screen`);
    assert.equal(await page.getByRole('button', { name: 'Review' }).count(), 0, `${after}: nothing can be reviewed for the old image`);
  };

  await resolve(ref('shop/app:v1'));
  await page.locator('[data-testid="sign-chain-summary"][data-verdict="verified"]').waitFor({ timeout: 30_000 });
  await field.fill(ref('shop/app:v2'));
  await nothingResolved('after editing the reference');

  await resolve(ref('shop/app:v1'));
  await page.locator('[data-testid="sign-chain-summary"][data-verdict="verified"]').waitFor({ timeout: 30_000 });
  await field.fill(ref('shop/app:no-such-tag'));
  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.getByRole('alert').first().waitFor({ timeout: 30_000 });
  await page.getByText('Resolving the reference to a digest…').waitFor({ state: 'detached' });
  await nothingResolved('after a failed resolve');

  // A signing result is for the image it signed: another reference typed afterwards does not keep it on screen.
  await resolve(ref('shop/fresh:v1'));
  const select = page.getByLabel('Signing key');
  const value = await select.locator('option').filter({ hasText: 'release signing' }).first().getAttribute('value');
  await select.selectOption(value!);
  await page.getByLabel('cosign signature (.sig tag)').check();
  await page.getByRole('button', { name: 'Review' }).click();
  const review = page.getByRole('region', { name: 'Review what will be signed' });
  await review.waitFor({ timeout: 30_000 });
  await review.getByRole('button', { name: 'Confirm and sign' }).click();
  await page.locator('[data-testid="sign-result"][data-verified="1"]').waitFor({ timeout: 60_000 });
  await field.fill(ref('shop/app:v2'));
  assert.equal(await page.getByTestId('sign-result').count(), 0, 'the result for the signed image left with its reference');
  await nothingResolved('after editing the reference under a result');
  await page.close();
});

test('Policies: a trial verdict is only for the reference it was evaluated for', async () => {
  const { page } = await open('policies', 'Policies');
  await page.getByTestId(`policy-${POLICY_ID}`).getByRole('button', { name: `${POLICY_NAME}: try it and export` }).click();
  const trial = page.getByTestId('policy-trial');
  const field = trial.getByLabel('Image reference');
  const evaluateGood = async () => {
    await field.fill(ref('shop/app:v1'));
    await trial.getByRole('button', { name: 'Evaluate' }).click();
    await page.locator('[data-testid="policy-verdict"][data-verdict="pass"]').waitFor({ timeout: 60_000 });
  };
  const noVerdict = async (after: string) => {
    assert.equal(await page.getByTestId('policy-verdict').count(), 0, `${after}: no verdict is left on screen`);
    assert.doesNotMatch(await trial.innerText(), /Pass:|Admitted/, `${after}: no pass or admission is left on screen`);
  };

  await evaluateGood();
  await field.fill(ref('shop/app:v2'));
  await noVerdict('after editing the reference');

  await evaluateGood();
  await field.fill(ref('shop/app:no-such-tag'));
  await trial.getByRole('button', { name: 'Evaluate' }).click();
  await trial.locator('.error-box').waitFor({ timeout: 60_000 });
  await noVerdict('after a failed evaluation');
  await page.close();
});

test('Scan: while another scan is being read, the summary of the one chosen before is gone', async () => {
  const { page, hold, holding, release } = await open('scan', 'Scan');
  await page.locator(`[data-testid="scan-summary"][data-scan="${scans.newer}"]`).waitFor({ timeout: 30_000 });
  hold('scan.get');
  await page.locator(`[data-testid="history-row"][data-scan="${scans.older}"]`).getByRole('button').first().click();
  await holding('scan.get');
  assert.equal(await page.getByTestId('scan-summary').count(), 0, 'the summary of the scan chosen before left with its selection');
  assert.equal(await page.locator('.scan-images').count(), 0, 'so did its table');
  release('scan.get');
  await page.locator(`[data-testid="scan-summary"][data-scan="${scans.older}"]`).waitFor({ timeout: 30_000 });
  await page.close();
});
