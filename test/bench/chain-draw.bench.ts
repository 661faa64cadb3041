import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, startBrowserHost } from '../support/browser.ts';
import { EIGHT_PLATFORMS, ImageFactory } from '../support/image-factory.ts';
import { run } from '../support/processes.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import type { BenchResult } from './keys-sign.bench.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const ROUNDS = 7;
const SIGNATURES_PER_PLATFORM = 12;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Gives each platform's .sig manifest many signature layers, as repeated signing by several parties would.
async function multiplySignatures(registryUrl: string, repository: string, digest: string, copies: number): Promise<void> {
  const tag = `${digest.replace(':', '-')}.sig`;
  const accept = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = (await (await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, { headers: { accept } })).json()) as { layers: unknown[] };
  manifest.layers = Array.from({ length: copies }, () => manifest.layers[0]);
  await new ImageFactory(registryUrl).manifest(repository, tag, manifest, accept);
}

async function drawn(page: Page, reference: string): Promise<{ ms: number; nodes: number }> {
  await page.getByLabel('Image', { exact: true }).fill(reference);
  await page.getByRole('button', { name: 'Inspect' }).click();
  await page.locator(`[data-testid="chain-summary"][data-for="${reference}"]`).waitFor({ timeout: 60_000 });
  const graph = page.locator('[data-testid="chain-graph"][data-drawn="yes"]');
  await graph.waitFor();
  const ms = Number(await graph.getAttribute('data-drawn-ms'));
  const nodes = await page.locator('.chain-node').count();
  await page.getByLabel('Image', { exact: true }).fill('');
  return { ms, nodes };
}

/**
 * Time from the request to a fully drawn chain in headless Chromium through the browser host:
 * a multi-arch image with 8 platforms and 200-odd nodes against a 10-node chain, same run.
 */
export async function measure(): Promise<BenchResult> {
  const registry = await startRegistry();
  const host = new URL(registry.url).host;
  const work = await mkdtemp(join(tmpdir(), 'signet-chain-bench-'));
  const env = { ...process.env, COSIGN_PASSWORD: 'bench', HOME: work };
  const factory = new ImageFactory(registry.url);
  await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: work, env });
  const sign = (reference: string) => run(join(tools, 'cosign'), ['sign', '--yes', '--key', 'cosign.key', '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', reference], { cwd: work, env });
  const small = await factory.index('bench/small', 'v1', EIGHT_PLATFORMS.slice(0, 2), 'small');
  await sign(`${host}/bench/small@${small.index.digest}`);
  await sign(`${host}/bench/small@${small.children[0]!.digest}`);
  const large = await factory.index('bench/large', 'v1', EIGHT_PLATFORMS, 'large');
  await sign(`${host}/bench/large@${large.index.digest}`);
  for (const child of large.children) {
    await sign(`${host}/bench/large@${child.digest}`);
    await multiplySignatures(registry.url, 'bench/large', child.digest, SIGNATURES_PER_PLATFORM);
  }
  const home = join(work, 'home');
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'settings.json'), JSON.stringify({ version: 1, pkcs11Modules: [], registries: [], toolDirs: [], trust: { keyFiles: [join(work, 'cosign.pub')] } }));
  const web = await startBrowserHost({ env: { ...process.env, SIGNET_HOME: home } });
  const browser = await launchChromium(null);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    await page.goto(web.url);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Images' }).click();
    const smallRef = `${host}/bench/small:v1`;
    const largeRef = `${host}/bench/large:v1`;
    await drawn(page, smallRef);
    await drawn(page, largeRef);
    const smallTimes: number[] = [];
    const largeTimes: number[] = [];
    let smallNodes = 0;
    let largeNodes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const a = await drawn(page, smallRef);
      const b = await drawn(page, largeRef);
      smallTimes.push(a.ms);
      largeTimes.push(b.ms);
      smallNodes = a.nodes;
      largeNodes = b.nodes;
    }
    const tSmall = median(smallTimes);
    const tLarge = median(largeTimes);
    const nodeRatio = largeNodes / smallNodes;
    const timeRatio = tLarge / tSmall;
    return {
      lines: [
        `small chain: ${smallNodes} nodes drawn in ${tSmall} ms (median of ${ROUNDS}, request to drawn, registry reads included, digest cache warm)`,
        `large chain: ${largeNodes} nodes drawn in ${tLarge} ms (median of ${ROUNDS}; target under 500 ms)`,
        `time grows ${timeRatio.toFixed(2)}x for ${nodeRatio.toFixed(1)}x the nodes`,
      ],
      ratios: {
        'chain-draw': { ratio: 500 / tLarge, target: 1 },
        'chain-draw-scaling': { ratio: nodeRatio / timeRatio, target: 1 },
      },
    };
  } finally {
    await browser.close();
    await web.stop();
    await registry.stop();
  }
}
