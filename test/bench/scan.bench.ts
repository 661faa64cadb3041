import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanSummary } from '../../shared/model/scan.model.ts';
import { ScanHistoryStore } from '../../main/scan/scan-history.store.ts';
import { createTestApp, quietProbes } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import { buildScanFixture } from '../support/scan-fixture.ts';
import type { BenchResult } from './keys-sign.bench.ts';

const REPOSITORIES = 100;
const TAGS = 10;
const ROUNDS = 3;
/** The scan's default: 16 images at once over 16 connections. */
const CONNECTIONS = 16;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// How fast the registry answers at all: bare HEADs of one tag over as many connections as a scan uses.
async function bareHeads(base: string, repository: string, count: number): Promise<number> {
  const url = `${base}/v2/${repository}/manifests/v0`;
  const headers = { accept: 'application/vnd.oci.image.manifest.v1+json' };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next++ < count) {
        await new Promise<void>((resolve, reject) => {
          request(url, { method: 'HEAD', headers }, (answer) => {
            answer.resume();
            answer.on('end', resolve);
          })
            .on('error', reject)
            .end();
        });
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

// 1,000 tags on the loopback registry, most signed: a cold scan from an empty cache and no remembered verdicts, then warm re-scans.
export async function measure(): Promise<BenchResult> {
  const registry = await startRegistry();
  const work = await mkdtemp(join(tmpdir(), 'signet-bench-scan-'));
  const app = await createTestApp({ probes: quietProbes, confirmations: new ScriptedConfirmation(), keychain: new MemoryKeychain() });
  try {
    await app.settings.update({ registries: [{ name: 'bench', url: registry.url, insecure: false }] });
    const fixture = await buildScanFixture({ app, registryUrl: registry.url, work, repositories: REPOSITORIES, tagsPerRepository: TAGS, cosignImages: 12, foreignImages: 3, every: 20 });
    const kinds = [...fixture.kinds.values()];
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    const input = { source: { kind: 'registry' as const, name: 'bench', repositories: null }, policyId: null, tagPattern: '*' };
    const timed = async (incremental: boolean): Promise<{ ms: number; summary: ScanSummary }> => {
      const started = performance.now();
      const summary = await app.scan.start({ ...input, incremental }, 'cli');
      return { ms: performance.now() - started, summary };
    };

    const cold: { ms: number; summary: ScanSummary }[] = [];
    const warm: { ms: number; summary: ScanSummary }[] = [];
    const floors: number[] = [];
    // Cold, warm and the bare registry alternate, so a machine that gets busier part-way weighs on each alike.
    for (let round = 0; round < ROUNDS; round++) {
      // Nothing fetched or learnt before: no digest cache, no scan state.
      await rm(join(app.dataDir, 'cache'), { recursive: true, force: true });
      await new ScanHistoryStore(app.dataDir).forgetStates();
      cold.push(await timed(false));
      warm.push(await timed(true));
      floors.push(await bareHeads(registry.url, fixture.repositories[0]!, 2000));
    }
    const floor = median(floors);
    const coldMs = median(cold.map((r) => r.ms));
    const warmMs = median(warm.map((r) => r.ms));
    const summary = cold[0]!.summary;
    const tags = REPOSITORIES * TAGS;
    const images = summary.total;
    const signed = images - summary.counts.unsigned! - summary.counts.unreadable!;
    const copies = count('tampered');
    // The least a client must ask, from nothing: the catalog, a tag list per repository, one referrers probe (this
    // registry has none, so fallback tags are looked for in the tag list), each manifest, each .sig manifest, each distinct payload.
    const coldMinimum = 1 + REPOSITORIES + 1 + images + signed + (signed - copies);
    // Re-checking: the catalog, the tag lists, a HEAD per tag and per attachment tag (index children come from the cached index).
    const warmMinimum = 1 + REPOSITORIES + tags + signed;
    const warmSummary = warm.at(-1)!.summary;
    const rate = tags / (coldMs / 1000);
    const lines = [
      `fixture: ${REPOSITORIES} repositories x ${TAGS} tags = ${tags} tags, ${images} manifests (${count('signet') + count('index')} Signet-signed tags, ${count('cosign')} cosign, ${count('foreign')} untrusted CA, ${count('unsigned')} unsigned, ${count('tampered')} tampered, ${count('revoked')} revoked key, ${count('index')} two-platform indexes)`,
      `fixture built in ${(fixture.seconds.push + fixture.seconds.sign + fixture.seconds.cosign).toFixed(1)} s (push ${fixture.seconds.push.toFixed(1)} s, Signet bulk signing ${fixture.seconds.sign.toFixed(1)} s, cosign ${fixture.seconds.cosign.toFixed(1)} s)`,
      `counts: ${Object.entries(summary.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `cold scan (empty cache, no remembered verdicts): ${coldMs.toFixed(0)} ms median of ${ROUNDS} = ${rate.toFixed(0)} tags/s, ${(images / (coldMs / 1000)).toFixed(0)} manifests/s`,
      `cold requests: ${summary.requests} = ${(summary.requests / images).toFixed(2)} per manifest; protocol minimum ${coldMinimum} = ${(coldMinimum / images).toFixed(2)} per manifest (signed: 1 manifest + 1 .sig manifest + 1 payload; unsigned: 1 manifest; plus catalog, tag lists, 1 referrers probe)`,
      `warm re-scan (nothing moved, every verdict reused): ${warmMs.toFixed(0)} ms median of ${ROUNDS} = ${(tags / (warmMs / 1000)).toFixed(0)} tags/s, ${warmSummary.requests} requests = ${(warmSummary.requests / images).toFixed(2)} per manifest; minimum ${warmMinimum} (a HEAD per tag and per .sig tag, plus catalog and tag lists)`,
      `cold / warm: ${(coldMs / warmMs).toFixed(1)}x`,
      `the registry alone, for scale: ${floor.toFixed(0)} bare HEAD requests/s at ${CONNECTIONS} connections (node:http, no parsing; median of ${ROUNDS}), so ${summary.requests} requests take at least ${((summary.requests / floor) * 1000).toFixed(0)} ms and ${warmSummary.requests} at least ${((warmSummary.requests / floor) * 1000).toFixed(0)} ms`,
    ];
    if (warm.some((r) => r.summary.counts.verified !== summary.counts.verified)) throw new Error('the warm scan counted differently from the cold one');
    const reused = (await app.scan.get(warmSummary.scanId)).images.filter((i) => i.reused).length;
    if (reused !== warmSummary.total) throw new Error(`the warm scan reused ${reused} of ${warmSummary.total} verdicts`);
    return {
      lines,
      ratios: {
        'scan-cold': { ratio: rate / 200, target: 1 },
        'scan-warm': { ratio: coldMs / warmMs / 10, target: 1 },
      },
    };
  } finally {
    await app.cleanup();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}
