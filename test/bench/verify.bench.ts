import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CachingSource } from '../../main/images/caching.source.ts';
import { LayoutSource } from '../../main/images/layout.source.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { SIGNATURE_ANNOTATION, verifyCosignSignature } from '../../main/signatures/cosign.verifier.ts';
import { run } from '../support/processes.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import type { BenchResult } from './keys-sign.bench.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tools = join(root, '.tools', 'bin');
const SIGNATURES = 10_000;
const CLI_ROUNDS = 11;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// 10,000 cosign signatures whose payloads sit in the warm cache, against node:crypto verifying the same bytes.
async function bulk(dir: string): Promise<{ lines: string[]; ratio: number }> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const layout = join(dir, 'layout');
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  const items: { manifestDigest: string; payloadDigest: string; payload: Buffer; annotations: Record<string, string>; signature: Buffer }[] = [];
  for (let i = 0; i < SIGNATURES; i++) {
    const manifestDigest = `sha256:${createHash('sha256').update(`manifest ${i}`).digest('hex')}`;
    const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'registry.example.com/bulk/app' }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' }, optional: null }));
    const signature = sign('sha256', payload, privateKey);
    const payloadDigest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    await writeFile(join(layout, 'blobs', 'sha256', payloadDigest.slice(7)), payload);
    items.push({ manifestDigest, payloadDigest, payload, signature, annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') } });
  }
  const cache = new CachingSource(new LayoutSource(layout), join(dir, 'cache'));
  for (const item of items) await cache.getBlob('bulk/app', item.payloadDigest);
  const trust = { keys: [publicKey], rekorKeys: [], roots: [], intermediates: [] };
  const service: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < 3; round++) {
    let started = performance.now();
    for (const item of items) {
      const payload = await cache.getBlob('bulk/app', item.payloadDigest);
      const result = verifyCosignSignature({ manifestDigest: item.manifestDigest, reference: 'registry.example.com/bulk/app:v1', identityRule: 'matchRepository', payload, annotations: item.annotations, trust });
      if (result.verdict !== 'verified') throw new Error(result.reason);
    }
    service.push(performance.now() - started);
    started = performance.now();
    for (const item of items) if (!verify('sha256', item.payload, publicKey, item.signature)) throw new Error('raw verify failed');
    raw.push(performance.now() - started);
  }
  const serviceRate = SIGNATURES / (median(service) / 1000);
  const rawRate = SIGNATURES / (median(raw) / 1000);
  return {
    lines: [`raw node:crypto ECDSA P-256 verify:               ${rawRate.toFixed(0)} signatures/s`, `cosign verification from the warm cache:          ${serviceRate.toFixed(0)} signatures/s (payload from the cache; digest, identity and signature checked)`],
    ratio: serviceRate / rawRate,
  };
}

function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.status}`}): ${result.stderr}${result.stdout}`);
  return performance.now() - started;
}

export async function measure(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-bench-verify-'));
  const registry = await startRegistry();
  try {
    const lines: string[] = [];
    const bulkResult = await bulk(dir);
    lines.push(...bulkResult.lines);

    const host = new URL(registry.url).host;
    const env = { ...process.env, COSIGN_PASSWORD: 'bench' };
    await writeFile(join(dir, 'app.txt'), 'bench image');
    await run(join(tools, 'cosign'), ['generate-key-pair'], { cwd: dir, env });
    await run(join(tools, 'oras'), ['push', '--plain-http', `${host}/bench/app:v1`, 'app.txt:text/plain'], { cwd: dir });
    await run(join(tools, 'cosign'), ['sign', '--key', 'cosign.key', '--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '--yes', `${host}/bench/app:v1`], { cwd: dir, env });
    const image = `${host}/bench/app:v1`;
    // Every signet run gets a new SIGNET_HOME, so nothing it fetched before is reused; cosign keeps nothing between runs either.
    const signet = (home: string) => timeProcess(process.execPath, [join(root, 'out/main/cli/signet.js'), 'verify', image, '--key', join(dir, 'cosign.pub')], { ...process.env, SIGNET_HOME: join(dir, home) });
    const cosign = () => timeProcess(join(tools, 'cosign'), ['verify', '--key', join(dir, 'cosign.pub'), '--insecure-ignore-tlog', '--allow-http-registry', '--allow-insecure-registry', image], env);
    // Stripped of its types first, as Signet's bundle is: type stripping alone costs a fresh process tens of milliseconds.
    const rawScript = join(dir, 'raw-verify.mjs');
    await writeFile(rawScript, stripTypeScriptTypes(await readFile(fileURLToPath(new URL('./raw-verify.ts', import.meta.url)), 'utf8')));
    const rawNode = () => timeProcess(process.execPath, [rawScript, image, join(dir, 'cosign.pub')], process.env);
    const nodeAlone = () => timeProcess(process.execPath, ['-e', '0'], process.env);
    // One untimed run of each first, so both binaries are in the page cache (and Node's compile cache holds signet's bundle).
    signet('home-warm-up');
    cosign();
    rawNode();
    const signetRuns: number[] = [];
    const cosignRuns: number[] = [];
    const rawRuns: number[] = [];
    const nodeRuns: number[] = [];
    for (let round = 0; round < CLI_ROUNDS; round++) {
      // The order alternates, so neither one always starts while the other's exit is still settling.
      if (round % 2 === 0) {
        signetRuns.push(signet(`home-${round}`));
        cosignRuns.push(cosign());
      } else {
        cosignRuns.push(cosign());
        signetRuns.push(signet(`home-${round}`));
      }
      rawRuns.push(rawNode());
      nodeRuns.push(nodeAlone());
    }
    lines.push(`signet verify, fresh process, cold cache:        ${median(signetRuns).toFixed(0)} ms (median of ${CLI_ROUNDS})`);
    lines.push(`cosign verify --insecure-ignore-tlog, fresh:     ${median(cosignRuns).toFixed(0)} ms (median of ${CLI_ROUNDS})`);
    lines.push(`the Node floor, fresh: \`node -e 0\` ${median(nodeRuns).toFixed(0)} ms; the least a Node script can do (3 reads + 1 verify, test/bench/raw-verify.ts) ${median(rawRuns).toFixed(0)} ms`);

    const engine = new VerifyEngine(new CachingSource(new RegistrySource(new RegistryClient({ baseUrl: registry.url })), join(dir, 'warm-cache')));
    const { publicKeysFromPem } = await import('../../main/signatures/cosign.verifier.ts');
    const keys = publicKeysFromPem(await readFile(join(dir, 'cosign.pub'), 'utf8'));
    const options = { reference: `${host}/bench/app:v1`, keys };
    await engine.verify('bench/app', 'v1', options);
    const warm: number[] = [];
    for (let round = 0; round < 15; round++) {
      const started = performance.now();
      const report = await engine.verify('bench/app', 'v1', options);
      warm.push(performance.now() - started);
      if (report.verdict !== 'verified') throw new Error(report.reason);
    }
    lines.push(`warm in-process chain lookup of a seen image:    ${median(warm).toFixed(1)} ms (median of 15; tags and referrers still asked of the registry)`);
    return {
      lines,
      ratios: {
        'verify-bulk': { ratio: bulkResult.ratio, target: 0.5 },
        'verify-cli': { ratio: median(cosignRuns) / median(signetRuns), target: 1 },
        'verify-warm': { ratio: 20 / median(warm), target: 1 },
      },
    };
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
