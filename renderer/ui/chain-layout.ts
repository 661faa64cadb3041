import dagre from '@dagrejs/dagre';
import type { ChainEdge, ChainNode, ChainReport } from '../../shared/model/chain.model.ts';

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 72;

export interface PlacedNode {
  node: ChainNode;
  x: number;
  y: number;
  /** How many nodes are hidden under this one because it is collapsed. */
  hidden: number;
  hasChildren: boolean;
}

export interface ChainLayout {
  nodes: PlacedNode[];
  edges: ChainEdge[];
}

// Descendants of collapsed nodes are left out; everything else is placed left to right by rank.
export function layoutChain(report: ChainReport, collapsed: ReadonlySet<string>): ChainLayout {
  const children = new Map<string, string[]>();
  for (const edge of report.edges) children.set(edge.from, [...(children.get(edge.from) ?? []), edge.to]);
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
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 70, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of visible) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const edges = report.edges.filter((e) => visible.has(e.from) && visible.has(e.to));
  for (const edge of edges) graph.setEdge(edge.from, edge.to);
  dagre.layout(graph);
  const nodes = [...visible].map((id) => {
    const placed = graph.node(id);
    return {
      node: byId.get(id)!,
      x: placed.x - NODE_WIDTH / 2,
      y: placed.y - NODE_HEIGHT / 2,
      hidden: collapsed.has(id) ? countBelow(id, new Set([id])) : 0,
      hasChildren: (children.get(id) ?? []).length > 0,
    };
  });
  return { nodes, edges };
}
