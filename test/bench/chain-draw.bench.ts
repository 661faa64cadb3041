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
/** Enough signature layers per platform for a chain of about 1,000 nodes. */
const SIGNATURES_PER_PLATFORM_HUGE = 62;
const TARGET_LARGE_MS = 300;
const TARGET_HUGE_MS = 1000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Gives each platform's .sig manifest many signature layers, as repeated signing by several parties would.
async function multiplySignatures(registryUrl: string, repository: string, digest: string, copies: number): Promise<void> {
  const tag = `${digest.replace(':', '-')}.sig`;
  const accept = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = (await (await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, { headers: { accept } })).json()) as { layers: unknown[] };
  manifest.layers = Array.from({ length: copies }, () => manifest.layers[0]);
  await new ImageFactory(registryUrl).manifest(repository, tag, manifest, accept);
}

// One inspect: the draw time (report arrival to nodes painted), the total (request to nodes painted) and the chain's node count,
// read from the summary because a large chain keeps only the nodes in view in the page.
async function drawn(page: Page, reference: string): Promise<{ ms: number; totalMs: number; nodes: number }> {
  await page.getByLabel('Image', { exact: true }).fill(reference);
  await page.getByRole('button', { name: 'Inspect' }).click();
  const summary = page.locator(`[data-testid="chain-summary"][data-for="${reference}"]`);
  await summary.waitFor({ timeout: 60_000 });
  const graph = page.locator('[data-testid="chain-graph"][data-drawn="yes"]');
  await graph.waitFor({ timeout: 60_000 });
  const ms = Number(await graph.getAttribute('data-drawn-ms'));
  const totalMs = Number(await graph.getAttribute('data-total-ms'));
  const nodes = Number(/(\d+) nodes/.exec(await summary.innerText())?.[1] ?? 0);
  await page.getByLabel('Image', { exact: true }).fill('');
  return { ms, totalMs, nodes };
}

/**
 * Time from a report's arrival to its nodes painted in headless Chromium through the browser host, at the readable layout:
 * a multi-arch image with 8 platforms and 200-odd nodes and one with about 1,000, against a 10-node chain, same run.
 * The request-to-painted total (registry reads included) is reported beside it.
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
  const huge = await factory.index('bench/huge', 'v1', EIGHT_PLATFORMS, 'huge');
  await sign(`${host}/bench/huge@${huge.index.digest}`);
  for (const child of huge.children) {
    await sign(`${host}/bench/huge@${child.digest}`);
    await multiplySignatures(registry.url, 'bench/huge', child.digest, SIGNATURES_PER_PLATFORM_HUGE);
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
    const hugeRef = `${host}/bench/huge:v1`;
    await drawn(page, smallRef);
    await drawn(page, largeRef);
    await drawn(page, hugeRef);
    const runs = { small: [] as Awaited<ReturnType<typeof drawn>>[], large: [] as Awaited<ReturnType<typeof drawn>>[], huge: [] as Awaited<ReturnType<typeof drawn>>[] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.small.push(await drawn(page, smallRef));
      runs.large.push(await drawn(page, largeRef));
      runs.huge.push(await drawn(page, hugeRef));
    }
    const figures = (which: keyof typeof runs) => ({ ms: median(runs[which].map((r) => r.ms)), totalMs: median(runs[which].map((r) => r.totalMs)), nodes: runs[which].at(-1)?.nodes ?? 0 });
    const small = figures('small');
    const largeChain = figures('large');
    const hugeChain = figures('huge');
    const nodeRatio = largeChain.nodes / small.nodes;
    const timeRatio = largeChain.ms / Math.max(small.ms, 1);
    return {
      lines: [
        `small chain: ${small.nodes} nodes drawn in ${small.ms} ms (median of ${ROUNDS}, report arrival to nodes painted; ${small.totalMs} ms from the request, registry reads included, digest cache warm)`,
        `large chain: ${largeChain.nodes} nodes drawn in ${largeChain.ms} ms (median of ${ROUNDS}; target under ${TARGET_LARGE_MS} ms; ${largeChain.totalMs} ms from the request)`,
        `huge chain: ${hugeChain.nodes} nodes drawn in ${hugeChain.ms} ms (median of ${ROUNDS}; target under ${TARGET_HUGE_MS} ms; ${hugeChain.totalMs} ms from the request)`,
        `time grows ${timeRatio.toFixed(2)}x for ${nodeRatio.toFixed(1)}x the nodes`,
      ],
      ratios: {
        'chain-draw': { ratio: Math.min(TARGET_LARGE_MS / largeChain.ms, TARGET_HUGE_MS / hugeChain.ms), target: 1 },
        'chain-draw-scaling': { ratio: nodeRatio / timeRatio, target: 1 },
      },
    };
  } finally {
    await browser.close();
    await web.stop();
    await registry.stop();
  }
}
