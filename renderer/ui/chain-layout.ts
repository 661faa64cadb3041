import dagre from '@dagrejs/dagre';
import type { ChainEdge, ChainNode, ChainReport } from '../../shared/model/chain.model.ts';
import { KIND_WORDS, nodeTitle } from './verdict.ts';

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 64;
/** The smallest text a node draws, in CSS pixels at zoom 1: the floor the readable fit keeps above the minimum legible size. */
export const SMALLEST_NODE_TEXT_PX = 12;
/** Below this many pixels on screen node text is no longer read at a glance. */
export const LEGIBLE_TEXT_PX = 11;

export interface PlacedNode {
  node: ChainNode;
  /** What the node is, in words a reader recognises: "cosign signature by release-key", "linux/arm64". */
  title: string;
  /** The kind of node, shown above the title. */
  kind: string;
  x: number;
  y: number;
  /** How many nodes are hidden under this one because it is collapsed. */
  hidden: number;
  hasChildren: boolean;
  /** The node this one hangs from in the chain, for the Left arrow key; null for the root. */
  parent: string | null;
}

export interface PlacedEdge extends ChainEdge {
  /** The route dagre chose, from the source's right side to the target's left side. */
  points: { x: number; y: number }[];
}

export interface ChainLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

// Descendants of collapsed nodes are left out; everything else is placed left to right by rank, at one fixed node size.
export function layoutChain(report: ChainReport, collapsed: ReadonlySet<string>): ChainLayout {
  const children = new Map<string, string[]>();
  const parents = new Map<string, string>();
  for (const edge of report.edges) {
    children.set(edge.from, [...(children.get(edge.from) ?? []), edge.to]);
    if (!parents.has(edge.to)) parents.set(edge.to, edge.from);
  }
  const byId = new Map(report.nodes.map((n) => [n.id, n]));
  const visible = new Set<string>();
  const countBelow = (id: string, seen: Set<string>): number => (children.get(id) ?? []).reduce((sum, child) => (seen.has(child) ? sum : (seen.add(child), sum + 1 + countBelow(child, seen))), 0);
  const walk = (id: string) => {
    if (visible.has(id) || !byId.has(id)) return;
    visible.add(id);
    if (!collapsed.has(id)) for (const child of children.get(id) ?? []) walk(child);
  };
  walk(report.nodes[0]?.id ?? 'reference');
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 84, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of visible) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const kept = report.edges.filter((e) => visible.has(e.from) && visible.has(e.to));
  for (const edge of kept) graph.setEdge(edge.from, edge.to);
  dagre.layout(graph);
  const nodes: PlacedNode[] = [];
  for (const id of visible) {
    const placed = graph.node(id);
    const node = byId.get(id);
    if (!node) continue;
    nodes.push({
      node,
      title: nodeTitle(node, report),
      kind: KIND_WORDS[node.kind] ?? node.kind,
      x: placed.x - NODE_WIDTH / 2,
      y: placed.y - NODE_HEIGHT / 2,
      hidden: collapsed.has(id) ? countBelow(id, new Set([id])) : 0,
      hasChildren: (children.get(id) ?? []).length > 0,
      parent: parents.get(id) ?? null,
    });
  }
  const at = new Map(nodes.map((n) => [n.node.id, n]));
  const edges: PlacedEdge[] = [];
  for (const edge of kept) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to) continue;
    edges.push({ ...edge, points: [{ x: from.x + NODE_WIDTH, y: from.y + NODE_HEIGHT / 2 }, { x: to.x, y: to.y + NODE_HEIGHT / 2 }] });
  }
  const size = graph.graph();
  return { nodes, edges, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0) };
}

// The node an arrow key moves to: right to the first child, left to the parent, up and down to the nearest node in the same column.
export function neighbour(layout: ChainLayout, from: string, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown'): string | null {
  const here = layout.nodes.find((n) => n.node.id === from);
  if (!here) return null;
  if (key === 'ArrowLeft') return here.parent && layout.nodes.some((n) => n.node.id === here.parent) ? here.parent : null;
  if (key === 'ArrowRight') {
    const child = layout.nodes.filter((n) => n.parent === from).sort((a, b) => Math.abs(a.y - here.y) - Math.abs(b.y - here.y))[0];
    return child?.node.id ?? null;
  }
  const column = layout.nodes.filter((n) => Math.abs(n.x - here.x) < 1 && (key === 'ArrowUp' ? n.y < here.y : n.y > here.y));
  column.sort((a, b) => Math.abs(a.y - here.y) - Math.abs(b.y - here.y));
  return column[0]?.node.id ?? null;
}
