import { html, type Html } from './html';
import type { PlacedEdge, PlacedGraph, PlacedNode } from './layout';
import { STATUS_LOOK } from './palette';
import type { StateRun, StateStatus } from './stateStatus';

const NOT_REACHED: StateRun = { status: 'not-reached', entered: 0, retries: 0 };

/** "18:04:05 UTC" today, "Nov 26 18:04 UTC" on another day. */
export function formatWake(wakeAt: Date, now: Date): string {
  const iso = wakeAt.toISOString();
  if (iso.slice(0, 10) === now.toISOString().slice(0, 10)) return `${iso.slice(11, 19)} UTC`;
  const month = wakeAt.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${month} ${wakeAt.getUTCDate()} ${iso.slice(11, 16)} UTC`;
}

/** The status in words, with its icon: what the node shows under its name. */
export function statusText(run: StateRun, now: Date): string {
  const look = STATUS_LOOK[run.status];
  if (run.status === 'waiting' && run.wakeAt)
    return `${look.icon} waiting until ${formatWake(run.wakeAt, now)}`;
  const retries = run.retries > 0 ? ` (${run.retries} ${run.retries === 1 ? 'retry' : 'retries'})` : '';
  return `${look.icon} ${look.label}${retries}`;
}

function describe(name: string, type: string | undefined, run: StateRun, now: Date): string {
  const parts = [`${name} (${type ?? 'state'}): ${statusText(run, now)}`];
  if (run.entered > 1) parts.push(`entered ${run.entered} times`);
  if (run.error?.error || run.error?.cause)
    parts.push(`error ${run.error.error ?? ''} ${run.error.cause ?? ''}`.trim());
  return parts.join('; ');
}

/**
 * The execution graph as inline SVG: colours come from console.css by class (no inline style, so a strict CSP
 * holds); every state node carries data-state and data-state-status, its status in words, and links to its row
 * in the states table (input and output there).
 */
export function renderGraph(graph: PlacedGraph, runs: Map<string, StateRun>, now: Date, title: string): Html {
  const runOf = (n: PlacedNode) => (n.node.name ? (runs.get(n.node.name) ?? NOT_REACHED) : NOT_REACHED);
  const boxes: Html[] = [];
  const leaves: Html[] = [];
  const visit = (p: PlacedNode) => {
    if (p.children.length > 0) boxes.push(compound(p, runOf(p), now));
    else leaves.push(leaf(p, runOf(p), now));
    p.children.forEach(visit);
  };
  graph.nodes.forEach(visit);
  const w = Math.ceil(graph.width);
  const h = Math.ceil(graph.height);
  return html`<svg
    class="graph"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${w} ${h}"
    width="${w}"
    height="${h}"
    data-width="${w}"
    data-height="${h}"
    role="group"
    aria-label="${title}"
  >
    <defs>
      ${(['next', 'choice', 'default', 'catch'] as const).map(
        (k) =>
          html`<marker
            id="arrow-${k}"
            class="arrow arrow-${k}"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
            ><path d="M0,0 L10,5 L0,10 z"
          /></marker>`,
      )}
    </defs>
    ${boxes}${graph.edges.map(edge)}${leaves}
  </svg>`;
}

function stateAttrs(p: PlacedNode, run: StateRun) {
  return html`data-state="${p.node.name}" data-state-type="${p.node.type}"
  data-state-status="${run.status}"${run.wakeAt ? html` data-wake-at="${run.wakeAt.toISOString()}"` : ''}`;
}

function leaf(p: PlacedNode, run: StateRun, now: Date): Html {
  const { x, y, width, height } = p;
  if (p.node.kind === 'start' || p.node.kind === 'end') {
    return html`<g class="marker-node"
      ><rect x="${x}" y="${y}" width="${width}" height="${height}" rx="14" /><text
        x="${x + width / 2}"
        y="${y + 18}"
        text-anchor="middle"
        >${p.node.label}</text
      ></g
    >`;
  }
  const status: StateStatus = run.status;
  return html`<a href="#state-${p.node.name}" class="node st-${status}" ${stateAttrs(p, run)}
    ><title>${describe(p.node.name!, p.node.type, run, now)}</title
    ><rect class="box" x="${x}" y="${y}" width="${width}" height="${height}" rx="6" /><text
      class="name"
      x="${x + 10}"
      y="${y + 19}"
      >${p.node.label}</text
    ><text class="status" x="${x + 10}" y="${y + 37}">${statusText(run, now)}</text></a
  >`;
}

function compound(p: PlacedNode, run: StateRun, now: Date): Html {
  const { x, y, width, height } = p;
  if (p.node.kind === 'branch') {
    return html`<g class="branch"
      ><rect x="${x}" y="${y}" width="${width}" height="${height}" rx="4" /><text x="${x + 8}" y="${y + 20}"
        >${p.node.label}</text
      ></g
    >`;
  }
  return html`<g class="compound node st-${run.status}" ${stateAttrs(p, run)}
    ><title>${describe(p.node.name!, p.node.type, run, now)}</title
    ><rect class="frame" x="${x}" y="${y}" width="${width}" height="${height}" rx="6" /><rect
      class="box"
      x="${x}"
      y="${y}"
      width="${width}"
      height="30"
      rx="6"
    /><text class="name" x="${x + 10}" y="${y + 20}"
      >${p.node.label} · ${p.node.type} — ${statusText(run, now)}</text
    ></g
  >`;
}

function edge(e: PlacedEdge): Html {
  if (e.points.length < 2) return html``;
  const d = e.points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${pt.x},${pt.y}`).join(' ');
  const kind = e.edge.kind;
  const label = e.labelBox && e.edge.label;
  return html`<g class="edge edge-${kind}" ${html` data-edge-kind="${kind}"`}
    >${e.edge.title ? html`<title>${e.edge.title}</title>` : ''}<path
      d="${d}"
      marker-end="url(#arrow-${kind})"
    />${
      label
        ? html`<rect
              class="label-bg"
              x="${e.labelBox!.x}"
              y="${e.labelBox!.y}"
              width="${e.labelBox!.width}"
              height="${e.labelBox!.height}"
            /><text x="${e.labelBox!.x + 3}" y="${e.labelBox!.y + 12}">${label}</text>`
        : ''
    }</g
  >`;
}
