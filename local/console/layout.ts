import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphEdge, GraphNode } from './graphModel';

/** Node text is drawn in a monospace font, so widths are known without measuring text in a browser. */
export const CHAR_WIDTH = 7.3;
export const STATE_HEIGHT = 46;
/** Room for the longest status line ("◔ waiting until Nov 26 18:04 UTC"), so the layout never changes with it. */
const STATUS_CHARS = 30;
const HEADER = 30;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface PlacedNode extends Box {
  node: GraphNode;
  children: PlacedNode[];
}
export interface PlacedEdge {
  edge: GraphEdge;
  /** Absolute points, start to end. */
  points: { x: number; y: number }[];
  labelBox?: Box;
}
export interface PlacedGraph {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const elk = new ELK();

function toElk(node: GraphNode): ElkNode {
  const compound = node.children.length > 0;
  const size =
    node.kind === 'start' || node.kind === 'end'
      ? { width: 60, height: 28 }
      : compound
        ? {}
        : {
            width: Math.ceil(Math.max(node.label.length, STATUS_CHARS) * CHAR_WIDTH) + 24,
            height: STATE_HEIGHT,
          };
  return {
    id: node.id,
    ...size,
    layoutOptions: compound
      ? {
          'elk.padding': `[top=${HEADER + 12},left=12,bottom=12,right=12]`,
          'elk.nodeSize.minimum': `(${Math.ceil(node.label.length * CHAR_WIDTH + 200)}, 60)`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        }
      : undefined,
    children: node.children.map(toElk),
    edges: node.edges.map((e): ElkExtendedEdge => ({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: e.label ? [{ text: e.label, width: Math.ceil(e.label.length * 6.4) + 6, height: 16 }] : [],
    })),
  };
}

/**
 * Lays the graph out with elkjs's layered algorithm (top to bottom, nested boxes laid out with their parent:
 * INCLUDE_CHILDREN), then turns ELK's container-relative coordinates into absolute ones. Layouts depend only
 * on the definition, so they are cached by it.
 */
export async function layoutGraph(root: GraphNode): Promise<PlacedGraph> {
  const graph = await elk.layout({
    ...toElk(root),
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '4',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
  });
  const byId = new Map<string, GraphNode>();
  const index = (n: GraphNode) => {
    byId.set(n.id, n);
    n.children.forEach(index);
  };
  index(root);
  const edgesById = new Map<string, GraphEdge>();
  const indexEdges = (n: GraphNode) => {
    n.edges.forEach((e) => edgesById.set(e.id, e));
    n.children.forEach(indexEdges);
  };
  indexEdges(root);

  const origin = new Map<string, { x: number; y: number }>([['root', { x: 0, y: 0 }]]);
  const place = (elkNode: ElkNode, dx: number, dy: number): PlacedNode => {
    const x = dx + (elkNode.x ?? 0);
    const y = dy + (elkNode.y ?? 0);
    origin.set(elkNode.id, { x, y });
    return {
      node: byId.get(elkNode.id)!,
      x,
      y,
      width: elkNode.width ?? 0,
      height: elkNode.height ?? 0,
      children: (elkNode.children ?? []).map((c) => place(c, x, y)),
    };
  };
  const nodes = (graph.children ?? []).map((c) => place(c, 0, 0));

  const edges: PlacedEdge[] = [];
  const collect = (elkNode: ElkNode) => {
    for (const e of elkNode.edges ?? []) {
      // ELK gives an edge's points relative to its container (the node it is declared in).
      const o = origin.get(e.container ?? elkNode.id) ?? { x: 0, y: 0 };
      const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      const label = e.labels?.[0];
      edges.push({
        edge: edgesById.get(e.id)!,
        points: points.map((p) => ({ x: p.x + o.x, y: p.y + o.y })),
        labelBox: label
          ? {
              x: (label.x ?? 0) + o.x,
              y: (label.y ?? 0) + o.y,
              width: label.width ?? 0,
              height: label.height ?? 0,
            }
          : undefined,
      });
    }
    (elkNode.children ?? []).forEach(collect);
  };
  collect(graph);
  return { width: graph.width ?? 0, height: graph.height ?? 0, nodes, edges };
}

const cache = new Map<string, Promise<PlacedGraph>>();

/** The layout of a definition's graph, computed once per definition text (bounded cache). */
export function cachedLayout(key: string, build: () => GraphNode): Promise<PlacedGraph> {
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= 50) cache.delete(cache.keys().next().value!);
    hit = layoutGraph(build());
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

/** elkjs compiles its layout code on first use (a few hundred ms): start that when the console starts. */
export function warmUp(): Promise<void> {
  return elk.layout({ id: 'warm-up', children: [] }).then(
    () => undefined,
    () => undefined,
  );
}
