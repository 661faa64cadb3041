// `npm run adversarial`: builds the adversarial corpus on a loopback registry, verifies every case with Signet and
// with every peer that reads its format, and fails on any verdict Signet gets wrong and on any disagreement with a
// peer that known-differences.json does not explain. Prints cases, agreements and documented differences per class.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { VerifyEngine } from '../../main/images/verify.engine.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import { attestationCorpus } from './attestation.corpus.ts';
import { bundleCorpus } from './bundle.corpus.ts';
import { cosignCorpus } from './cosign.corpus.ts';
import { notationCorpus } from './notation.corpus.ts';
import type { Corpus, CorpusCase, Peer, PeerVerdict } from './corpus.types.ts';

/** Every corpus; `npm run adversarial -- NAME...` runs only the corpora or classes named. */
const CORPORA: Corpus[] = [cosignCorpus, bundleCorpus, attestationCorpus, notationCorpus];

interface KnownDifference {
  class: string;
  peers: string[];
  /** The peer's verdict where it differs from Signet's. */
  peerResult: 'pass' | 'fail';
  reason: string;
}

interface CaseResult {
  case: CorpusCase;
  signet: PeerVerdict;
  peers: Record<string, PeerVerdict>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

// Runs at most `limit` jobs at once: each peer is a process of its own, and this machine may have two cores.
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

async function signetVerdict(engine: VerifyEngine, c: CorpusCase): Promise<PeerVerdict> {
  try {
    const report = await engine.verify(c.repository, c.target, { ...c.signet, reference: c.reference });
    if (c.judge) return c.judge(report);
    return { result: report.verdict === 'verified' ? 'pass' : 'fail', detail: report.reason };
  } catch (error) {
    return { result: 'fail', detail: `error: ${(error as Error).message}` };
  }
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const known = (JSON.parse(await readFile(join(root, 'test', 'adversarial', 'known-differences.json'), 'utf8')) as { differences: KnownDifference[] }).differences;
  const registry = await startRegistry();
  const dir = await mkdtemp(join(tmpdir(), 'signet-adversarial-'));
  try {
    const started = Date.now();
    const corpora = CORPORA.filter((corpus) => only.length === 0 || only.includes(corpus.name) || !only.some((o) => CORPORA.some((k) => k.name === o)));
    const all: CorpusCase[] = [];
    for (const corpus of corpora) all.push(...(await corpus.build(registry.url, dir)));
    const classFilter = only.filter((o) => !CORPORA.some((k) => k.name === o));
    const cases = classFilter.length ? all.filter((c) => classFilter.some((o) => c.class === o || c.id.startsWith(o))) : all;
    console.log(`adversarial: ${cases.length} cases built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const engine = new VerifyEngine(new RegistrySource(new RegistryClient({ baseUrl: registry.url })));
    const peers: Peer[] = corpora.flatMap((corpus) => corpus.peers());
    const firstVariant = new Map<string, string>();
    for (const c of cases) if (!firstVariant.has(c.class)) firstVariant.set(c.class, c.variant);
    const results = await pool(cases, 2, async (c): Promise<CaseResult> => {
      const signet = await signetVerdict(engine, c);
      const answers: Record<string, PeerVerdict> = {};
      // Today's versions are asked about every case of their formats; the legacy ones about each class's first variant.
      for (const peer of peers) {
        if (!peer.formats.includes(c.format) || (peer.legacy && c.variant !== firstVariant.get(c.class))) continue;
        answers[peer.name] = await peer.verify(c);
      }
      return { case: c, signet, peers: answers };
    });

    const used = new Set<KnownDifference>();
    const problems: string[] = [];
    const classes = new Map<string, { cases: number; agreements: number; documented: number }>();
    let failedCases = 0;
    for (const r of results) {
      const before = problems.length;
      const row = classes.get(r.case.class) ?? { cases: 0, agreements: 0, documented: 0 };
      classes.set(r.case.class, row);
      row.cases++;
      if (r.signet.result !== r.case.expected) problems.push(`SIGNET ${r.case.id}: expected ${r.case.expected} (${r.case.rule}), got ${r.signet.result}: ${r.signet.detail}`);
      let agreed = true;
      for (const [name, verdict] of Object.entries(r.peers)) {
        if (verdict.result === r.signet.result) continue;
        agreed = false;
        const difference = known.find((k) => k.peers.includes(name) && k.class === r.case.class && k.peerResult === verdict.result);
        if (difference) {
          used.add(difference);
          row.documented++;
        } else {
          problems.push(`DIFFER ${r.case.id}: Signet ${r.signet.result} (${r.signet.detail}); ${name} ${verdict.result} (${verdict.detail})`);
        }
      }
      if (agreed) row.agreements++;
      if (problems.length > before) failedCases++;
    }
    const stale = known.filter((k) => !used.has(k) && (only.length === 0 || classes.has(k.class)));
    for (const k of stale) problems.push(`STALE known difference no longer seen: ${k.class}, ${k.peers.join(' and ')} ${k.peerResult}`);

    console.log('\nclass                              cases  agree  documented');
    for (const [name, row] of [...classes].sort()) console.log(`${name.padEnd(34)} ${String(row.cases).padStart(5)}  ${String(row.agreements).padStart(5)}  ${String(row.documented).padStart(10)}`);
    const total = results.length;
    const agreements = [...classes.values()].reduce((sum, row) => sum + row.agreements, 0);
    console.log(`\n${total} cases, ${agreements} in full agreement with every peer, ${total - agreements - failedCases} with documented differences only, ${failedCases} failing; peers: ${peers.map((p) => p.name).join(', ')}`);
    await mkdir(join(root, 'test-results'), { recursive: true });
    await writeFile(join(root, 'test-results', 'adversarial.json'), JSON.stringify(results.map((r) => ({ id: r.case.id, rule: r.case.rule, expected: r.case.expected, signet: r.signet, peers: r.peers })), null, 2));
    for (const p of problems) console.log(p);
    console.log(`documented differences: ${documentedCount(results, known)}`);
    console.log(`adversarial: ${total - failedCases} passed, ${failedCases} failed${stale.length > 0 ? `, ${stale.length} stale known differences` : ''}`);
    console.log(`adversarial: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// How many peer verdicts the known-differences file explains, for the summary.
function documentedCount(results: CaseResult[], known: KnownDifference[]): number {
  let count = 0;
  for (const r of results) for (const [name, v] of Object.entries(r.peers)) if (v.result !== r.signet.result && known.some((k) => k.peers.includes(name) && k.class === r.case.class && k.peerResult === v.result)) count++;
  return count;
}

process.exitCode = await main();
