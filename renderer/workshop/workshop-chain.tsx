import { useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { Lesson, StepResult } from '../../shared/model/workshop.model.ts';
import { StatusBadge } from '../ui/status-badge.tsx';
import { ChainGraph } from '../ui/chain-graph.tsx';
import { useCollapsedNodes } from '../state/collapsed-nodes.ts';
import { NodeDetails } from '../ui/node-details.tsx';
import { VERDICT_VIEW } from '../ui/verdict.ts';

// The sandbox's latest trust chain up to the step on screen: later steps have not happened yet as far as the picture goes.
export function latestChain(lesson: Lesson, results: Record<string, StepResult>, view: number): { chain: ChainReport; step: number } | null {
  for (let index = Math.min(view, lesson.steps.length - 1); index >= 0; index--) {
    const step = lesson.steps[index];
    const chain = step ? results[step.id]?.chain : null;
    if (chain) return { chain, step: index };
  }
  return null;
}

// The live picture beside the explanation: the verdict in words above the graph, and a node's reasons on request.
export function WorkshopChain({ latest, total }: { latest: { chain: ChainReport; step: number } | null; total: number }) {
  const [selected, setSelected] = useState<string | null>(null);
  const { collapsed, toggle, reset } = useCollapsedNodes();
  const report = latest?.chain ?? null;
  useEffect(() => {
    setSelected(null);
    reset();
  }, [report, reset]);
  if (!latest || !report) {
    return (
      <section className="card workshop-chain" aria-labelledby="workshop-chain-title" data-testid="workshop-chain">
        <h2 id="workshop-chain-title">Trust chain</h2>
        <p className="muted">No picture yet. It appears when a step signs, verifies or changes a sample image, and follows the lesson from there.</p>
      </section>
    );
  }
  const verdict = VERDICT_VIEW[report.verdict];
  const node = report.nodes.find((n) => n.id === selected) ?? null;
  return (
    <section className="card workshop-chain" aria-labelledby="workshop-chain-title" data-testid="workshop-chain">
      <h2 id="workshop-chain-title">
        Trust chain after step {latest.step + 1} of {total}
      </h2>
      <div className="chain-summary" data-testid="workshop-chain-summary" data-verdict={report.verdict} data-step={latest.step + 1} role="status">
        <StatusBadge tone={verdict.tone} text={verdict.word} />
        <span>{report.reason}</span>
        <span className="mono small workshop-chain-ref">{report.reference}</span>
      </div>
      <ReactFlowProvider>
        <div className="workshop-graph">
          <ChainGraph report={report} collapsed={collapsed} selected={selected} onSelect={setSelected} onToggle={toggle} />
        </div>
      </ReactFlowProvider>
      {node && <NodeDetails node={node} onClose={() => setSelected(null)} />}
    </section>
  );
}
