import { memo, useEffect, useMemo } from 'react';
import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import type { ChainNode, ChainReport } from '../../shared/model/chain.model.ts';
import { layoutChain, NODE_HEIGHT, NODE_WIDTH } from './chain-layout.ts';
import { KIND_WORDS, VERDICT_VIEW } from './verdict.ts';

interface NodeData extends Record<string, unknown> {
  chain: ChainNode;
  hidden: number;
  hasChildren: boolean;
  collapsed: boolean;
  unsignedUnderSigned: boolean;
  onToggle(id: string): void;
}

type ChainFlowNode = Node<NodeData, 'chain'>;

const ChainNodeView = memo(function ChainNodeView({ data, selected }: NodeProps<ChainFlowNode>) {
  const { chain } = data;
  const view = VERDICT_VIEW[chain.verdict];
  return (
    <div className={`chain-node tone-${view.tone}${selected ? ' is-selected' : ''}${data.unsignedUnderSigned ? ' stands-out' : ''}`} data-node-id={chain.id} data-kind={chain.kind} data-verdict={chain.verdict}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="chain-node-kind">{KIND_WORDS[chain.kind] ?? chain.kind}</div>
      <div className="chain-node-label" title={chain.label}>
        {chain.label}
      </div>
      <div className="chain-node-verdict">
        <span aria-hidden="true">{view.icon}</span> {view.word}
        {data.unsignedUnderSigned && <span className="stands-out-note"> — no signature of its own</span>}
      </div>
      {data.hasChildren && chain.kind !== 'reference' && (
        <button
          type="button"
          className="chain-node-toggle nodrag"
          aria-label={data.collapsed ? `Expand ${chain.label} (${data.hidden} hidden)` : `Collapse ${chain.label}`}
          onClick={(event) => {
            event.stopPropagation();
            data.onToggle(chain.id);
          }}
        >
          {data.collapsed ? `+${data.hidden}` : '−'}
        </button>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { chain: ChainNodeView };

function FitOnChange({ signature }: { signature: string }) {
  const flow = useReactFlow();
  useEffect(() => {
    void flow.fitView({ padding: 0.08, maxZoom: 1 });
  }, [flow, signature]);
  return null;
}

// Opening the details panel narrows the picture; the chosen node is brought back to the middle at the same zoom.
function CentreOnSelected({ selected, layout }: { selected: string | null; layout: ReturnType<typeof layoutChain> }) {
  const flow = useReactFlow();
  useEffect(() => {
    const placed = selected ? layout.nodes.find((n) => n.node.id === selected) : null;
    if (!placed) return;
    const frame = requestAnimationFrame(() => void flow.setCenter(placed.x + NODE_WIDTH / 2, placed.y + NODE_HEIGHT / 2, { zoom: flow.getZoom(), duration: 150 }));
    return () => cancelAnimationFrame(frame);
  }, [flow, selected, layout]);
  return null;
}

// The trust chain drawn left to right: every node says its verdict in words, and subtrees fold away.
export function ChainGraph({ report, collapsed, selected, onSelect, onToggle, onDrawn }: { report: ChainReport; collapsed: ReadonlySet<string>; selected: string | null; onSelect(id: string | null): void; onToggle(id: string): void; onDrawn?(report: ChainReport): void }) {
  const layout = useMemo(() => layoutChain(report, collapsed), [report, collapsed]);
  const signedRoot = report.graph.root.kind === 'index' && report.nodes.find((n) => n.id === report.graph.root.digest)?.verdict === 'verified';
  const nodes: ChainFlowNode[] = useMemo(
    () =>
      layout.nodes.map((placed) => ({
        id: placed.node.id,
        type: 'chain',
        position: { x: placed.x, y: placed.y },
        selected: placed.node.id === selected,
        ariaLabel: `${KIND_WORDS[placed.node.kind] ?? placed.node.kind} ${placed.node.label}: ${VERDICT_VIEW[placed.node.verdict].word}. ${placed.node.reason}`,
        data: {
          chain: placed.node,
          hidden: placed.hidden,
          hasChildren: placed.hasChildren,
          collapsed: collapsed.has(placed.node.id),
          unsignedUnderSigned: Boolean(signedRoot) && placed.node.kind === 'manifest' && placed.node.verdict === 'unsigned',
          onToggle,
        },
      })),
    [layout, selected, collapsed, onToggle, signedRoot],
  );
  const edges: Edge[] = useMemo(() => layout.edges.map((e) => ({ id: `${e.from}->${e.to}`, source: e.from, target: e.to, label: e.label, className: 'chain-edge' })), [layout]);
  useEffect(() => {
    if (!onDrawn) return;
    let inner = 0;
    const outer = requestAnimationFrame(() => {
      inner = requestAnimationFrame(() => onDrawn(report));
    });
    return () => {
      cancelAnimationFrame(outer);
      cancelAnimationFrame(inner);
    };
  }, [report, onDrawn]);
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      minZoom={0.1}
      fitView
      proOptions={{ hideAttribution: true }}
      onNodeClick={(_, node) => onSelect(node.id)}
      onPaneClick={() => onSelect(null)}
      onKeyDown={(event) => {
        const focused = (event.target as HTMLElement).closest<HTMLElement>('.react-flow__node');
        const id = focused?.dataset.id;
        if (id && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          onSelect(id);
        }
      }}
      aria-label="Trust chain"
    >
      <FitOnChange signature={`${report.checkedAt}:${report.reference}`} />
      <CentreOnSelected selected={selected} layout={layout} />
      <Background gap={24} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
