// How a case that is not an image signature is judged from Signet's report.
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { PeerVerdict } from './corpus.types.ts';

// Signet's attestation verdict as its policy evaluator forms it: a verified attestation on the image itself, of the named predicate type.
export function attestationJudge(predicateType: string): (report: ChainReport) => PeerVerdict {
  return (report) => {
    const rootDigest = report.graph.root.digest;
    const byId = new Map(report.nodes.map((n) => [n.id, n]));
    const attached = report.edges.filter((e) => e.from === rootDigest && e.label === 'attested by').flatMap((e) => (byId.get(e.to) ? [byId.get(e.to)!] : []));
    const typeOf = (details: Record<string, string>) => {
      try {
        const statement = JSON.parse(details.statement ?? '') as { predicateType?: unknown };
        if (typeof statement.predicateType === 'string') return statement.predicateType;
      } catch {
        // Not a statement: the type discovery read is used.
      }
      return details.predicateType ?? '';
    };
    const found = attached.find((n) => n.verdict === 'verified' && typeOf(n.details) === predicateType);
    if (found) return { result: 'pass', detail: found.reason };
    const reasons = attached.map((n) => `${n.verdict}: ${n.reason}`);
    return { result: 'fail', detail: `no verified ${predicateType} attestation${reasons.length ? ` (${reasons.join('; ')})` : ''}` };
  };
}
