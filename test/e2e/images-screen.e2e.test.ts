import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ChainReportSchema } from '../../shared/model/chain.model.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { type BrowserStack, openScreen, SCREENSHOTS, startBrowserStack } from '../support/browser.ts';
import { EIGHT_PLATFORMS, ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

/** The page's focus, as the function Playwright runs in the page sees it (the tests compile without DOM types). */
type FocusedPage = { document: { activeElement: { getAttribute(name: string): string | null } | null } };

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const notationImage = resolve(root, process.env.SIGNET_ACCEPTANCE_DIR ?? '../shared/acceptance', 'data', 'notation-go', 'signed-image');
const noNotation = existsSync(notationImage) ? false : `the Notation-signed image is not at ${notationImage} (set SIGNET_ACCEPTANCE_DIR)`;
if (noNotation) console.log(`Images screen Notation check skipped: ${noNotation}`);

let registry: Registry;
let registryHost: string;
let work: string;
let stack: BrowserStack;
let page: Page;

const cosign = (args: string[], password: string) => run(join(tools, 'cosign'), [...args], { cwd: work, env: { ...process.env, COSIGN_PASSWORD: password, HOME: work } });
const sign = (key: string, password: string, reference: string) => cosign(['sign', '--yes', '--key', key, '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', reference], password);

before(async () => {
  registry = await startRegistry();
  registryHost = new URL(registry.url).host;
  work = await mkdtemp(join(tmpdir(), 'signet-images-e2e-'));
  const home = join(work, 'home');
  const factory = new ImageFactory(registry.url);
  await cosign(['generate-key-pair', '--output-key-prefix', 'team'], 'team-pass');
  await cosign(['generate-key-pair', '--output-key-prefix', 'stolen'], 'stolen-pass');

  // A multi-arch image: the index and seven platforms signed, riscv64 left unsigned.
  const multi = await factory.index('shop/app', 'multi', EIGHT_PLATFORMS, 'app 1.0');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${multi.index.digest}`);
  for (const child of multi.children.slice(0, 7)) await sign('team.key', 'team-pass', `${registryHost}/shop/app@${child.digest}`);

  // A signature copied from the signed image onto other content.
  const original = await factory.image('shop/app', 'original', { os: 'linux', architecture: 'amd64' }, 'original');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${original.digest}`);
  const other = await factory.image('shop/app', 'tampered', { os: 'linux', architecture: 'amd64' }, 'something else');
  await run(join(tools, 'oras'), ['cp', '--from-plain-http', '--to-plain-http', `${registryHost}/shop/app:${original.digest.replace(':', '-')}.sig`, `${registryHost}/shop/app:${other.digest.replace(':', '-')}.sig`]);

  // Signed by a key the inventory later marks compromised.
  const leaked = await factory.image('shop/app', 'revoked', { os: 'linux', architecture: 'amd64' }, 'signed by a stolen key');
  await sign('stolen.key', 'stolen-pass', `${registryHost}/shop/app@${leaked.digest}`);

  // Signed, with an SLSA provenance attestation.
  const attested = await factory.image('shop/app', 'attested', { os: 'linux', architecture: 'amd64' }, 'attested');
  await sign('team.key', 'team-pass', `${registryHost}/shop/app@${attested.digest}`);
  await writeFile(join(work, 'provenance.json'), JSON.stringify({ builder: { id: 'https://ci.example.com/builder' }, buildType: 'https://example.com/build' }));
  await cosign(['attest', '--yes', '--key', 'team.key', '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', '--type', 'slsaprovenance', '--predicate', 'provenance.json', `${registryHost}/shop/app@${attested.digest}`], 'team-pass');

  const settings: Record<string, unknown> = { version: 1, pkcs11Modules: [], registries: [{ name: 'local', url: registry.url, insecure: false }], toolDirs: [], trust: { keyFiles: [join(work, 'team.pub')] } };
  if (!noNotation) {
    const image = `${registryHost}/notation/app:v2`;
    await run(join(tools, 'oras'), ['cp', '--to-plain-http', '--from-oci-layout', `${join(notationImage, 'oci-layout')}:v2`, image]);
    for (const [file, mediaType] of [['jws_signature.sig', 'application/jose+json'], ['cose_signature.sig', 'application/cose']] as const) {
      await writeFile(join(work, file), await readFile(join(notationImage, file)));
      await run(join(tools, 'oras'), ['attach', '--plain-http', '--artifact-type', 'application/vnd.cncf.notary.signature', image, `${file}:${mediaType}`], { cwd: work });
    }
    const leaf = (JSON.parse(await readFile(join(notationImage, 'jws_signature.sig'), 'utf8')) as { header: { x5c: string[] } }).header.x5c[0]!;
    await writeFile(join(work, 'notation-leaf.pem'), `-----BEGIN CERTIFICATE-----\n${leaf.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
    settings.trust = { keyFiles: [join(work, 'team.pub')], notationStores: [join(work, 'notation-leaf.pem')] };
  }
  const app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain(), env: { SIGNET_HOME: home } });
  try {
    await app.settings.update(settings as never);
    const stolen = await app.keys.importCosignKey(await readFile(join(work, 'stolen.key'), 'utf8'), 'stolen-pass', 'build bot', 'cli');
    await app.keys.revoke(stolen.id, { reason: 'keyCompromise', invalidSince: new Date(Date.now() - 86_400_000).toISOString() }, 'cli');
  } finally {
    await app.cleanup();
  }

  stack = await startBrowserStack({ SIGNET_HOME: home });
  page = await openScreen(stack.browser, stack.url, 'images', 'Images');
});

after(async () => {
  await stack?.stop();
  await registry?.stop();
});

async function inspect(reference: string): Promise<void> {
  await page.getByLabel('Image', { exact: true }).fill(reference);
  await page.getByRole('button', { name: 'Inspect' }).click();
  await shown(reference);
}

async function shown(reference: string): Promise<void> {
  await page.locator(`[data-testid="chain-summary"][data-for="${reference}"]`).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="chain-graph"][data-drawn="yes"]').waitFor();
  await page.locator('.progress').waitFor({ state: 'detached' });
}

const verdicts = (kind: string) => page.locator(`.chain-node[data-kind="${kind}"]`).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-verdict')));
const summary = () => page.getByTestId('chain-summary').getAttribute('data-verdict');

test('a multi-arch image: the index and seven platforms verify, the unsigned platform stands out', async () => {
  await inspect(`${registryHost}/shop/app:multi`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('index'), ['verified']);
  const platforms = await verdicts('manifest');
  assert.equal(platforms.length, 8);
  assert.equal(platforms.filter((v) => v === 'verified').length, 7);
  const unsigned = page.locator('.chain-node[data-kind="manifest"][data-verdict="unsigned"]');
  assert.match(await unsigned.innerText(), /linux\/riscv64[\s\S]*unsigned[\s\S]*no signature of its own/);
  assert.ok(await unsigned.evaluate((n) => n.classList.contains('stands-out')));
  await page.screenshot({ path: join(SCREENSHOTS, 'images-multi-arch.png') });

  // Details: the signature's payload, its compatibility, and the reason in words.
  await page.locator('.chain-node[data-kind="signature"]').first().click();
  const details = page.getByRole('complementary', { name: 'Node details' });
  assert.match(await details.getByTestId('node-reason').innerText(), /Signed by the trusted key SHA256:/);
  assert.match(await details.innerText(), /docker-manifest-digest/);
  assert.match(await details.getByRole('table', { name: 'Which verifiers can see this signature' }).innerText(), /containers-policy\.json\s+✓ yes/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-signature-details.png') });

  // Keyboard: a focused node opens its details with Enter.
  await page.getByRole('button', { name: 'Close the details' }).click();
  await page.locator('.react-flow__node', { has: page.locator('.chain-node[data-kind="index"]') }).focus();
  await page.keyboard.press('Enter');
  assert.match(await details.innerText(), /Raw manifest/);

  // Folding the index hides everything under it and says how much.
  const before = await page.locator('.chain-node').count();
  await page.getByRole('button', { name: /^Collapse Index/ }).click();
  const toggle = page.getByRole('button', { name: /^Expand Index of 8 platforms \(\d+ hidden\)/ });
  await toggle.waitFor();
  assert.ok((await page.locator('.chain-node').count()) < before);
  await toggle.click();
  await page.locator('.chain-node').nth(before - 1).waitFor();
  assert.equal(await page.locator('.chain-node').count(), before);
});

test('the chain exports as a JSON report, a PNG and an SVG picture', async () => {
  const download = async (name: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    return readFile((await file.path())!);
  };
  const report = ChainReportSchema.parse(JSON.parse((await download('Export JSON')).toString('utf8')));
  assert.equal(report.verdict, 'verified');
  assert.equal(report.nodes.filter((n) => n.kind === 'manifest').length, 8);
  const png = await download('Export PNG');
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.length > 10_000, 'the picture has content');
  const svg = (await download('Export SVG')).toString('utf8');
  assert.match(svg, /<svg[\s\S]*linux\/riscv64/);
});

test('a copied signature fails with its reason, a revoked key is shown as revoked, an attestation is shown', async () => {
  await inspect(`${registryHost}/shop/app:tampered`);
  assert.equal(await summary(), 'failed');
  assert.deepEqual(await verdicts('signature'), ['failed']);
  await page.locator('.chain-node[data-kind="signature"]').click();
  assert.match(await page.getByTestId('node-reason').innerText(), /The signature is for sha256:[0-9a-f]{64}, but the manifest is sha256:/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-tampered.png') });

  await inspect(`${registryHost}/shop/app:revoked`);
  assert.equal(await summary(), 'revoked');
  assert.deepEqual(await verdicts('signer'), ['revoked']);
  assert.match(await page.locator('.chain-node[data-kind="signer"]').innerText(), /build bot/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-revoked.png') });

  await inspect(`${registryHost}/shop/app:attested`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('attestation'), ['verified']);
  await page.locator('.chain-node[data-kind="attestation"]').click();
  assert.match(await page.getByRole('complementary', { name: 'Node details' }).innerText(), /slsa\.dev\/provenance[\s\S]*ci\.example\.com\/builder/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-attestation.png') });
});

test('a Notation-signed image shows both envelopes verified, with the certificate chain up to its anchor', { skip: noNotation }, async () => {
  await inspect(`${registryHost}/notation/app:v2`);
  assert.equal(await summary(), 'verified');
  assert.deepEqual(await verdicts('signature'), ['verified', 'verified']);
  assert.ok((await verdicts('certificate')).every((v) => v === 'verified'));
  await page.locator('.chain-node[data-kind="certificate"]').first().click();
  assert.match(await page.getByRole('complementary', { name: 'Node details' }).innerText(), /subject[\s\S]*validFrom[\s\S]*sha256/);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-notation.png') });
});

test('browsing the registry leads to a tag; a bad reference and an unknown host are errors in words with a retry', async () => {
  await page.getByRole('navigation', { name: 'Browse registries and layouts' }).getByRole('button', { name: /local/ }).click();
  await page.getByRole('button', { name: 'shop/app', exact: true }).click();
  const tags = page.getByRole('navigation', { name: 'Browse registries and layouts' });
  await tags.getByRole('button', { name: 'attested', exact: true }).waitFor();
  assert.equal(await tags.getByRole('button', { name: /^sha256-/ }).count(), 0, 'signature tags are not listed as images');
  await tags.getByRole('button', { name: 'multi', exact: true }).click();
  await shown(`${registryHost}/shop/app:multi`);
  assert.equal(await summary(), 'verified');
  assert.match(await page.getByRole('group', { name: 'Recent images' }).innerText(), /shop\/app:attested/);

  await page.getByLabel('Image', { exact: true }).fill('UPPER/Case::bad');
  await page.getByRole('button', { name: 'Inspect' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /BadInput/);
  await page.getByLabel('Image', { exact: true }).fill('127.0.0.1:1/nothing/here:v1');
  await page.getByRole('button', { name: 'Inspect' }).click();
  await page.getByRole('alert').filter({ hasText: /could not be reached|Nothing is listening/ }).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole('alert').getByRole('button', { name: 'Try again' }).count(), 1);
  await page.screenshot({ path: join(SCREENSHOTS, 'images-error.png') });
});

/** The smallest node or edge-label text on screen, in device-independent pixels: computed font size times the zoom of the picture. */
const smallestTextPx = () =>
  page.evaluate<number>(`(() => {
    const frame = document.querySelector('[data-testid="chain-graph"]').getBoundingClientRect();
    let smallest = Infinity;
    for (const node of document.querySelectorAll('.chain-node')) {
      const box = node.getBoundingClientRect();
      if (box.right < frame.left || box.left > frame.right || box.bottom < frame.top || box.top > frame.bottom) continue;
      const zoom = box.width / node.offsetWidth;
      for (const text of node.querySelectorAll('.chain-node-kind, .chain-node-label, .chain-node-verdict')) smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * zoom);
    }
    for (const label of document.querySelectorAll('.react-flow__edge-text')) {
      const zoom = label.getBoundingClientRect().height > 0 ? new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a : 1;
      smallest = Math.min(smallest, parseFloat(getComputedStyle(label).fontSize) * zoom);
    }
    return smallest;
  })()`);

type Box = { x: number; y: number; width: number; height: number };
const inside = (inner: Box, outer: Box) => inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const viewportTransform = () => page.locator('.react-flow__viewport').getAttribute('style');
const settle = () => page.waitForTimeout(400);

test('node text stays at 11 px or more on screen at 1440x900 and 1024x768; the picture refits when details open and close, none under the panel, and Esc closes them', async () => {
  const multi = `${registryHost}/shop/app:multi`;
  try {
    for (const [width, height] of [[1440, 900], [1024, 768]] as const) {
      await page.setViewportSize({ width, height });
      await inspect(multi);
      await settle();
      const smallest = await smallestTextPx();
      assert.ok(smallest >= 11, `${width}x${height}: the smallest node text is ${smallest.toFixed(1)} px`);

      const frame = page.getByTestId('chain-graph');
      const signature = page.locator('.chain-node[data-kind="signature"]').first();
      const closed = await viewportTransform();
      await signature.click();
      const details = page.getByRole('complementary', { name: 'Node details' });
      await details.waitFor();
      await settle();
      const opened = await viewportTransform();
      const panel = (await details.boundingBox())!;
      const frameBox = (await frame.boundingBox())!;
      assert.ok(!overlaps(frameBox, panel), `${width}x${height}: the picture and the details panel sit side by side`);
      assert.ok(inside((await signature.boundingBox())!, frameBox), `${width}x${height}: the chosen node is wholly in view beside the panel`);
      for (const box of await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((n): Box => {
        const r = n.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }))) {
        const visible = { x: Math.max(box.x, frameBox.x), y: Math.max(box.y, frameBox.y), width: Math.min(box.x + box.width, frameBox.x + frameBox.width) - Math.max(box.x, frameBox.x), height: Math.min(box.y + box.height, frameBox.y + frameBox.height) - Math.max(box.y, frameBox.y) };
        if (visible.width > 0 && visible.height > 0) assert.ok(!overlaps(visible, panel), `${width}x${height}: no visible node is under the panel`);
      }
      assert.ok((await smallestTextPx()) >= 11, `${width}x${height}: text stays legible with the panel open`);
      assert.notEqual(opened, closed, `${width}x${height}: the picture refits when the panel opens`);

      await page.keyboard.press('Escape');
      await details.waitFor({ state: 'detached' });
      await settle();
      assert.notEqual(await viewportTransform(), opened, `${width}x${height}: the picture refits when the panel closes`);
    }
  } finally {
    await page.setViewportSize({ width: 1440, height: 1000 });
  }
});

test('the keyboard reaches the picture with one tab stop, moves between nodes with the arrow keys, opens details with Enter', async () => {
  await inspect(`${registryHost}/shop/app:multi`);
  assert.equal(await page.locator('.react-flow__node[tabindex="0"]').count(), 1, 'one node is in the tab order');
  assert.equal(await page.locator('.chain-node-toggle[tabindex="0"]').count(), await page.locator('.react-flow__node[tabindex="0"] .chain-node-toggle').count(), 'only the focusable node lets Tab reach its fold button');
  await page.getByRole('button', { name: 'Export SVG' }).focus();
  let reached = false;
  for (let press = 0; press < 3 && !reached; press++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate<boolean>(`Boolean(document.activeElement && document.activeElement.matches('.react-flow__node'))`);
  }
  assert.ok(reached, 'a few Tab presses after the export buttons land on the picture');
  const active = () => page.evaluate<string>(`document.activeElement.getAttribute('data-id') || ''`);
  assert.equal(await active(), 'reference', 'the first stop is the root');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((id) => {
    const focused = (globalThis as unknown as FocusedPage).document.activeElement;
    return focused !== null && focused.getAttribute('data-id') !== id;
  }, 'reference');
  const index = await active();
  assert.match(index, /^sha256:/);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((id) => {
    const focused = (globalThis as unknown as FocusedPage).document.activeElement;
    return focused !== null && focused.getAttribute('data-id') !== id;
  }, index);
  const child = await active();
  await page.keyboard.press('ArrowDown');
  await page.waitForTimeout(200);
  const down = (await active()) !== child;
  if (!down) await page.keyboard.press('ArrowUp');
  await page.waitForFunction((id) => {
    const focused = (globalThis as unknown as FocusedPage).document.activeElement;
    return focused !== null && focused.getAttribute('data-id') !== id;
  }, child);
  const sibling = await active();
  await page.keyboard.press(down ? 'ArrowUp' : 'ArrowDown');
  await page.waitForFunction((id) => {
    const focused = (globalThis as unknown as FocusedPage).document.activeElement;
    return focused !== null && focused.getAttribute('data-id') === id;
  }, child);
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((id) => {
    const focused = (globalThis as unknown as FocusedPage).document.activeElement;
    return focused !== null && focused.getAttribute('data-id') === id;
  }, index);
  assert.notEqual(sibling, child);
  assert.equal(await page.locator('.react-flow__node[tabindex="0"]').count(), 1, 'still one tab stop after moving');
  await page.keyboard.press('Enter');
  const details = page.getByRole('complementary', { name: 'Node details' });
  await details.waitFor();
  assert.match(await details.innerText(), /Index of 8 platforms/);
  await page.keyboard.press('Escape');
  await details.waitFor({ state: 'detached' });
});

test('nodes say what they are: platforms, signatures by their signer, the inventory label of a key', async () => {
  await inspect(`${registryHost}/shop/app:multi`);
  const titles = await page.locator('.chain-node-label').allInnerTexts();
  assert.ok(titles.includes('Index of 8 platforms'), titles.join(' | '));
  for (const platform of ['linux/amd64', 'linux/arm64', 'linux/riscv64']) assert.ok(titles.includes(platform), `${platform} in ${titles.join(' | ')}`);
  assert.ok(titles.some((t) => /^cosign signature by key SHA256:[0-9a-f]{8}/i.test(t)), titles.join(' | '));
  assert.ok(!titles.includes('Manifest') && !titles.includes('Policy'), 'no generic titles');
  for (const reason of await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''))) assert.match(reason, /: [a-z ]+\. \S/, 'every node keeps its reason');

  await inspect(`${registryHost}/shop/app:revoked`);
  assert.equal(await page.locator('.chain-node[data-kind="signature"] .chain-node-label').innerText(), 'cosign signature by build bot');
  assert.equal(await page.locator('.chain-node[data-kind="signer"] .chain-node-label').innerText(), 'build bot');
  await inspect(`${registryHost}/shop/app:attested`);
  assert.match(await page.locator('.chain-node[data-kind="attestation"] .chain-node-label').innerText(), /^SLSA provenance by key SHA256:/);
});

test('the SVG export is a vector drawing with a text for every node, and the PNG covers every node without black label boxes', async () => {
  await inspect(`${registryHost}/shop/app:multi`);
  const download = async (name: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
    return readFile((await file.path())!);
  };
  const titles = await page.locator('.chain-node-label').allInnerTexts();
  const svg = (await download('Export SVG')).toString('utf8');
  assert.doesNotMatch(svg, /foreignObject/i, 'no HTML inside the SVG');
  assert.doesNotMatch(svg, /fill="(#000|#000000|black)"/i, 'no black boxes');
  const nodeTexts = [...svg.matchAll(/<text class="node-title"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  assert.equal(nodeTexts.length, titles.length, 'one title text per node');
  for (const title of titles) assert.ok(nodeTexts.some((t) => t === title || (t.endsWith('…') && title.startsWith(t.slice(0, -1)))), `"${title}" is drawn as text`);
  assert.equal([...svg.matchAll(/<text class="edge-label"/g)].length, await page.locator('.react-flow__edge').count(), 'every edge label is drawn');
  const [, svgWidth, svgHeight] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
  const [, left, top] = /viewBox="(-?\d+) (-?\d+)/.exec(svg)!.map(Number);
  for (const [, x, y, w, h] of svg.matchAll(/<rect x="(-?[\d.]+)" y="(-?[\d.]+)" width="(\d+)" height="(\d+)" rx="8"/g)) {
    assert.ok(Number(x) >= left! && Number(y) >= top! && Number(x) + Number(w) <= left! + svgWidth! && Number(y) + Number(h) <= top! + svgHeight!, 'every node lies inside the drawing');
  }
  const png = await download('Export PNG');
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  const pngWidth = png.readUInt32BE(16);
  const pngHeight = png.readUInt32BE(20);
  assert.ok(pngWidth >= svgWidth! && pngHeight >= svgHeight!, `the PNG (${pngWidth}x${pngHeight}) covers the whole drawing (${svgWidth}x${svgHeight})`);
  assert.ok(Math.abs(pngWidth / pngHeight - svgWidth! / svgHeight!) < 0.02, 'the PNG is not cropped');
});

test('the Recent list shows a few images with "show more", and repository names stay on one line', async () => {
  await inspect(`${registryHost}/shop/app:original`);
  const recent = page.getByRole('group', { name: 'Recent images' });
  const chips = recent.locator('button.chip');
  assert.ok((await chips.count()) <= 5, 'at most five chips before "show more"');
  const more = recent.getByRole('button', { name: /^Show \d+ more$/ });
  if ((await more.count()) > 0) {
    await more.click();
    assert.ok((await chips.count()) > 5);
    await recent.getByRole('button', { name: 'Show fewer' }).click();
    assert.ok((await chips.count()) <= 5);
  }
  const browse = page.getByRole('navigation', { name: 'Browse registries and layouts' });
  await browse.getByRole('button', { name: /local/ }).click();
  const repository = browse.getByRole('button', { name: 'shop/app', exact: true });
  await repository.waitFor();
  assert.equal(await repository.getAttribute('title'), 'shop/app');
  assert.ok((await repository.evaluate((n) => n.clientHeight)) < 30, 'one line');
});
