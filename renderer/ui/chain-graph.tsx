import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Background, ControlButton, Controls, Handle, Position, ReactFlow, useReactFlow, useStore, type Edge, type Node, type NodeHandle, type NodeProps } from '@xyflow/react';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { layoutChain, LEGIBLE_TEXT_PX, neighbour, NODE_HEIGHT, NODE_WIDTH, SMALLEST_NODE_TEXT_PX, type ChainLayout, type PlacedNode } from './chain-layout.ts';
import { VERDICT_VIEW } from './verdict.ts';

interface NodeData extends Record<string, unknown> {
  placed: PlacedNode;
  collapsed: boolean;
  unsignedUnderSigned: boolean;
  /** The one node the Tab key reaches; arrow keys move it. */
  current: boolean;
  onToggle(id: string): void;
}

type ChainFlowNode = Node<NodeData, 'chain'>;

/** Past this many nodes only the ones in view are kept in the page. */
const VIRTUALISE_ABOVE = 150;
const FIT_PADDING = 16;
/** Every node has the same size and handle places, so nothing has to be measured before the picture can be drawn. */
const HANDLES: NodeHandle[] = [
  { type: 'target', position: Position.Left, x: -1, y: NODE_HEIGHT / 2 - 1, width: 2, height: 2 },
  { type: 'source', position: Position.Right, x: NODE_WIDTH - 1, y: NODE_HEIGHT / 2 - 1, width: 2, height: 2 },
];
const NODE_STYLE = { width: NODE_WIDTH, height: NODE_HEIGHT };
const LABEL_PADDING: [number, number] = [4, 2];
const ARROWS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']);
const isArrow = (key: string): key is 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' => ARROWS.has(key);

const ChainNodeView = memo(function ChainNodeView({ data, selected }: NodeProps<ChainFlowNode>) {
  const { placed } = data;
  const chain = placed.node;
  const view = VERDICT_VIEW[chain.verdict];
  return (
    <div className={`chain-node tone-${view.tone}${selected ? ' is-selected' : ''}${data.unsignedUnderSigned ? ' stands-out' : ''}`} style={NODE_STYLE} data-node-id={chain.id} data-kind={chain.kind} data-verdict={chain.verdict}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="chain-node-kind">{placed.kind}</div>
      <div className="chain-node-label" title={placed.title === chain.label ? chain.label : `${placed.title} (${chain.label})`}>
        {placed.title}
      </div>
      <div className="chain-node-verdict">
        <span aria-hidden="true">{view.icon}</span> {view.word}
        {data.unsignedUnderSigned && <span className="stands-out-note"> — no signature of its own</span>}
      </div>
      {placed.hasChildren && chain.kind !== 'reference' && (
        <button
          type="button"
          className="chain-node-toggle nodrag"
          tabIndex={data.current ? 0 : -1}
          aria-label={data.collapsed ? `Expand ${placed.title} (${placed.hidden} hidden)` : `Collapse ${placed.title}`}
          onClick={(event) => {
            event.stopPropagation();
            data.onToggle(chain.id);
          }}
        >
          {data.collapsed ? `+${placed.hidden}` : '−'}
        </button>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { chain: ChainNodeView };

/** The zoom below which node text would be smaller than a reader can take in; a presenter view raises it with --chain-min-text-px. */
function legibleZoom(element: HTMLElement | null): number {
  const wanted = element ? Number.parseFloat(getComputedStyle(element).getPropertyValue('--chain-min-text-px')) : Number.NaN;
  return Math.ceil(((Number.isFinite(wanted) && wanted > 0 ? wanted : LEGIBLE_TEXT_PX) / SMALLEST_NODE_TEXT_PX) * 100) / 100;
}

/** Whether a node lies wholly inside the visible part of the picture. */
function inView(placed: PlacedNode, viewport: { x: number; y: number; zoom: number }, width: number, height: number): boolean {
  const left = placed.x * viewport.zoom + viewport.x;
  const top = placed.y * viewport.zoom + viewport.y;
  return left >= 0 && top >= 0 && left + NODE_WIDTH * viewport.zoom <= width && top + NODE_HEIGHT * viewport.zoom <= height;
}

// Keeps the picture readable: the whole chain when it fits at a legible size, else the part around the chosen node or the root,
// refitted whenever the picture's box changes size (a details panel opening or closing, the window resizing).
function ReadableFit({ layout, focus, signature }: { layout: ChainLayout; focus: string | null; signature: string }) {
  const flow = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const domNode = useStore((s) => s.domNode);
  const latest = useRef({ layout, focus });
  latest.current = { layout, focus };
  useEffect(() => {
    if (width === 0 || height === 0) return;
    const { layout: now, focus: chosen } = latest.current;
    const floor = legibleZoom(domNode);
    const fitted = Math.min((width - FIT_PADDING * 2) / Math.max(now.width, 1), (height - FIT_PADDING * 2) / Math.max(now.height, 1), Math.max(1, floor));
    if (fitted >= floor) {
      void flow.setViewport({ x: (width - now.width * fitted) / 2, y: (height - now.height * fitted) / 2, zoom: fitted });
      return;
    }
    const anchor = now.nodes.find((n) => n.node.id === chosen) ?? now.nodes[0];
    if (!anchor) return;
    const x = anchor === now.nodes[0] ? FIT_PADDING - anchor.x * floor : width / 2 - (anchor.x + NODE_WIDTH / 2) * floor;
    void flow.setViewport({ x, y: height / 2 - (anchor.y + NODE_HEIGHT / 2) * floor, zoom: floor });
  }, [flow, width, height, domNode, signature, layout]);
  // A chosen node out of view is brought to the middle at the same zoom; one already in view stays where it is.
  useEffect(() => {
    const placed = focus ? layout.nodes.find((n) => n.node.id === focus) : null;
    if (!placed || width === 0 || inView(placed, flow.getViewport(), width, height)) return;
    void flow.setCenter(placed.x + NODE_WIDTH / 2, placed.y + NODE_HEIGHT / 2, { zoom: flow.getZoom(), duration: 120 });
  }, [flow, focus, layout, width, height]);
  return null;
}

// Says when the nodes of a report are on screen: the frame after the first node elements are in the page and visible.
function DrawnSignal({ report, onDrawn }: { report: ChainReport; onDrawn?(report: ChainReport): void }) {
  const domNode = useStore((s) => s.domNode);
  useEffect(() => {
    if (!onDrawn || !domNode) return;
    let frame = 0;
    let tries = 0;
    const check = () => {
      const first = domNode.querySelector<HTMLElement>('.react-flow__node');
      const painted = first !== null && getComputedStyle(first).visibility !== 'hidden';
      if (painted || ++tries > 240) frame = requestAnimationFrame(() => onDrawn(report));
      else frame = requestAnimationFrame(check);
    };
    frame = requestAnimationFrame(check);
    return () => cancelAnimationFrame(frame);
  }, [report, onDrawn, domNode]);
  return null;
}

function FitControls({ onReadable }: { onReadable(): void }) {
  const flow = useReactFlow();
  return (
    <Controls showInteractive={false} showFitView={false}>
      <ControlButton onClick={() => void flow.fitView({ padding: 0.04, minZoom: 0.05, duration: 150 })} title="Fit all: the whole chain, however small" aria-label="Fit all">
        ⤢
      </ControlButton>
      <ControlButton onClick={onReadable} title="Readable size: the part around the chosen node" aria-label="Readable size">
        A
      </ControlButton>
    </Controls>
  );
}

// The trust chain drawn left to right: every node says what it is and its verdict in words, subtrees fold away,
// text never drops below a legible size, and the keyboard reaches it with one tab stop and the arrow keys.
export function ChainGraph({ report, collapsed, selected, onSelect, onToggle, onDrawn }: { report: ChainReport; collapsed: ReadonlySet<string>; selected: string | null; onSelect(id: string | null): void; onToggle(id: string): void; onDrawn?(report: ChainReport): void }) {
  const flow = useReactFlow();
  const layout = useMemo(() => layoutChain(report, collapsed), [report, collapsed]);
  const [current, setCurrent] = useState<string | null>(null);
  const [refits, setRefits] = useState(0);
  const rootId = layout.nodes[0]?.node.id ?? null;
  const focused = current !== null && layout.nodes.some((n) => n.node.id === current) ? current : rootId;
  const signedRoot = report.graph.root.kind === 'index' && report.nodes.find((n) => n.id === report.graph.root.digest)?.verdict === 'verified';
  const base: ChainFlowNode[] = useMemo(
    () =>
      layout.nodes.map((placed) => ({
        id: placed.node.id,
        type: 'chain',
        position: { x: placed.x, y: placed.y },
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        handles: HANDLES,
        selected: false,
        domAttributes: { tabIndex: -1 },
        ariaLabel: `${placed.kind} ${placed.title}: ${VERDICT_VIEW[placed.node.verdict].word}. ${placed.node.reason}`,
        data: {
          placed,
          collapsed: collapsed.has(placed.node.id),
          unsignedUnderSigned: Boolean(signedRoot) && placed.node.kind === 'manifest' && placed.node.verdict === 'unsigned',
          current: false,
          onToggle,
        },
      })),
    [layout, collapsed, onToggle, signedRoot],
  );
  // Choosing or focusing a node replaces only that node's object, so the rest of the picture is not redrawn.
  const nodes = useMemo(
    () => base.map((n) => (n.id === selected || n.id === focused ? { ...n, selected: n.id === selected, domAttributes: { tabIndex: n.id === focused ? 0 : -1 }, data: { ...n.data, current: n.id === focused } } : n)),
    [base, selected, focused],
  );
  const edges: Edge[] = useMemo(
    () => layout.edges.map((e) => ({ id: `${e.from}->${e.to}`, source: e.from, target: e.to, label: e.label, className: 'chain-edge', labelBgPadding: LABEL_PADDING, labelBgBorderRadius: 3, focusable: false })),
    [layout],
  );
  const domNode = useStore((s) => s.domNode);
  // An arrow key moves the one focusable node, bringing it into view first so a picture drawn only where it is seen has it in the page.
  const moveTo = useCallback(
    (id: string) => {
      setCurrent(id);
      const placed = layout.nodes.find((n) => n.node.id === id);
      const box = domNode?.getBoundingClientRect();
      if (placed && box && !inView(placed, flow.getViewport(), box.width, box.height)) void flow.setCenter(placed.x + NODE_WIDTH / 2, placed.y + NODE_HEIGHT / 2, { zoom: flow.getZoom(), duration: 0 });
      let tries = 0;
      const focusIt = () => {
        const element = domNode?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
        if (element) element.focus({ preventScroll: true });
        else if (++tries < 30) requestAnimationFrame(focusIt);
      };
      requestAnimationFrame(focusIt);
    },
    [domNode, layout, flow],
  );
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!(event.target instanceof HTMLElement)) return;
    const id = event.target.closest<HTMLElement>('.react-flow__node')?.dataset.id;
    if (!id) return;
    if (event.target.closest('button')) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(id);
    } else if (isArrow(event.key)) {
      event.preventDefault();
      const next = neighbour(layout, id, event.key);
      if (next) moveTo(next);
    }
  };
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      elementsSelectable
      onlyRenderVisibleElements={layout.nodes.length > VIRTUALISE_ABOVE}
      minZoom={0.05}
      maxZoom={2.5}
      proOptions={{ hideAttribution: true }}
      onNodeClick={(_, node) => {
        setCurrent(node.id);
        onSelect(node.id);
      }}
      onPaneClick={() => onSelect(null)}
      onFocus={(event) => {
        const id = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>('.react-flow__node')?.dataset.id : undefined;
        if (id && id !== focused) setCurrent(id);
      }}
      onKeyDown={onKeyDown}
      aria-label="Trust chain: Tab reaches one node, the arrow keys move between nodes, Enter opens the details"
    >
      <ReadableFit layout={layout} focus={selected} signature={`${report.checkedAt}:${report.reference}:${refits}`} />
      <DrawnSignal report={report} onDrawn={onDrawn} />
      <Background gap={24} />
      <FitControls onReadable={() => setRefits((n) => n + 1)} />
    </ReactFlow>
  );
}
