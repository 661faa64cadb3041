import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPool } from '../../main/platform/task-pool.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import type { BenchResult } from './keys-sign.bench.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const IMAGES = 200;
const LARGE = 1000;
const ROUNDS = 3;
const TARGET = 10;
const MEMORY_LIMIT_MB = 300;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Pushes `count` small images and signs each the way `cosign sign --key` does (a simple-signing payload under the digest's .sig tag), eight at a time.
export async function signedImages(registryUrl: string, repository: string, count: number, key: KeyObject): Promise<string[]> {
  const host = new URL(registryUrl).host;
  const factory = new ImageFactory(registryUrl);
  const indexes = Array.from({ length: count }, (_, i) => i);
  return runPool(
    indexes,
    async (i) => {
      // Each image's config names its number, so no two uploads of one blob race each other in the registry.
      const imageConfig = await factory.blob(repository, Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { number: String(i) } } })));
      const imageLayer = await factory.blob(repository, Buffer.from(`${repository} ${i}`));
      const body = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: imageConfig.digest, size: imageConfig.size },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: imageLayer.digest, size: imageLayer.size }],
      };
      const image = await factory.manifest(repository, `t${i}`, body, 'application/vnd.oci.image.manifest.v1+json');
      const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': `${host}/${repository}` }, image: { 'docker-manifest-digest': image.digest }, type: 'cosign container image signature' }, optional: null }));
      const layer = await factory.blob(repository, payload);
      const config = await factory.blob(repository, Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(payload).digest('hex')}`] }, config: {} })));
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: layer.digest, size: layer.size, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, key).toString('base64') } }],
      };
      await factory.manifest(repository, `${image.digest.replace(':', '-')}.sig`, manifest, 'application/vnd.oci.image.manifest.v1+json');
      return `${host}/${repository}:t${i}`;
    },
    { concurrency: 8 },
  );
}

// Wall time and peak resident memory (GNU time's %M, in kilobytes) of one process that must exit 0. Spawned asynchronously, so this process keeps draining the registry's output meanwhile: a full pipe would stall the registry.
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<{ ms: number; peakKb: number | null }> {
  const memoryFile = join(dir, 'peak-rss');
  const gnuTime = existsSync('/usr/bin/time');
  const started = performance.now();
  const child = gnuTime ? spawn('/usr/bin/time', ['-f', '%M', '-o', memoryFile, command, ...args], { env }) : spawn(command, args, { env });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command} failed (${signal ?? `exit ${code}`}): ${stderr}`));
      if (!gnuTime) return resolve({ ms, peakKb: null });
      void readFile(memoryFile, 'utf8').then((text) => {
        const peak = Number.parseInt(text.trim().split('\n').at(-1) ?? '', 10);
        resolve({ ms, peakKb: Number.isFinite(peak) ? peak : null });
      }, reject);
    });
  });
}

const mb = (kb: number | null): string => (kb === null ? 'not measured' : `${(kb / 1024).toFixed(0)} MB`);

// 200 key-signed images checked by one `signet verify --key K REF...` against one `cosign verify --key K REF...`, both from a cold start; then Signet alone over 1,000 for its memory.
export async function measure(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-bench-many-'));
  const registry = await startRegistry();
  try {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'cosign.pub');
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const pushStarted = performance.now();
    const images = await signedImages(registry.url, 'bench/many', IMAGES, privateKey);
    const pushMs = performance.now() - pushStarted;
    const signetCli = join(root, 'out/main/cli/signet.js');
    // Every signet run gets a new SIGNET_HOME, so nothing it fetched before is reused; cosign keeps nothing between runs either.
    const signet = (home: string, refs: string[]) => timed(process.execPath, [signetCli, 'verify', '--key', keyFile, ...refs], { ...process.env, SIGNET_HOME: join(dir, home) }, dir);
    const cosign = (refs: string[]) => timed(join(tools, 'cosign'), ['verify', '--key', keyFile, '--insecure-ignore-tlog', '--allow-http-registry', '--allow-insecure-registry', ...refs], process.env, dir);
    // One untimed run of each over one image first, so both binaries are in the page cache.
    await signet('home-warm-up', images.slice(0, 1));
    await cosign(images.slice(0, 1));
    const signetRuns: { ms: number; peakKb: number | null }[] = [];
    const cosignRuns: { ms: number; peakKb: number | null }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The order alternates, so neither one always starts while the other's exit is still settling.
      if (round % 2 === 0) {
        signetRuns.push(await signet(`home-${round}`, images));
        cosignRuns.push(await cosign(images));
      } else {
        cosignRuns.push(await cosign(images));
        signetRuns.push(await signet(`home-${round}`, images));
      }
    }
    const signetMs = median(signetRuns.map((r) => r.ms));
    const cosignMs = median(cosignRuns.map((r) => r.ms));
    const signetPeak = signetRuns.map((r) => r.peakKb).reduce<number | null>((a, b) => (b === null ? a : Math.max(a ?? 0, b)), null);
    const cosignPeak = cosignRuns.map((r) => r.peakKb).reduce<number | null>((a, b) => (b === null ? a : Math.max(a ?? 0, b)), null);

    const largeImages = [...images, ...(await signedImages(registry.url, 'bench/many-large', LARGE - IMAGES, privateKey))];
    const large = await signet('home-large', largeImages);
    const lines = [
      `${IMAGES} key-signed images pushed and signed on the loopback registry in ${(pushMs / 1000).toFixed(1)} s (in-process, cosign's .sig format)`,
      `signet verify --key K REF x${IMAGES}, fresh process, cold cache:  ${signetMs.toFixed(0)} ms (median of ${ROUNDS}; ${(signetMs / IMAGES).toFixed(1)} ms an image), peak RSS ${mb(signetPeak)}`,
      `cosign verify --key K REF x${IMAGES} --insecure-ignore-tlog:       ${cosignMs.toFixed(0)} ms (median of ${ROUNDS}; ${(cosignMs / IMAGES).toFixed(1)} ms an image), peak RSS ${mb(cosignPeak)}`,
      `signet verify --key K REF x${LARGE}, fresh process, cold cache: ${large.ms.toFixed(0)} ms, peak RSS ${mb(large.peakKb)} (target under ${MEMORY_LIMIT_MB} MB)`,
    ];
    return {
      lines,
      ratios: {
        'verify-many': { ratio: cosignMs / signetMs, target: TARGET },
        'verify-many-memory': { ratio: large.peakKb === null ? 0 : MEMORY_LIMIT_MB / (large.peakKb / 1024), target: 1 },
      },
      raw: {
        signetMs: signetRuns.map((r) => r.ms),
        cosignMs: cosignRuns.map((r) => r.ms),
        signetPeakKb: signetRuns.flatMap((r) => (r.peakKb === null ? [] : [r.peakKb])),
        cosignPeakKb: cosignRuns.flatMap((r) => (r.peakKb === null ? [] : [r.peakKb])),
        largeMs: [large.ms],
        largePeakKb: large.peakKb === null ? [] : [large.peakKb],
      },
    };
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
