import { html, type Html } from '../html';

/**
 * The box a graph is drawn in, at its natural size (labels at their real font size), scrolled natively, so it
 * is readable and usable without JavaScript. static/graph.js adds pan (drag, arrow keys), zoom (wheel, + and −,
 * the buttons), "actual size" (0), "fit" (F) and scrolls the current state into view; its toolbar stays hidden
 * until that script shows it, so there is never a button that does nothing.
 */
export function graphViewer(graph: Html, label: string): Html {
  return html`<div class="graph-viewer" data-graph-viewer>
    <div class="graph-tools" role="toolbar" aria-label="${label}: view" hidden>
      <button type="button" data-graph-action="zoom-in" aria-label="Zoom in" title="Zoom in (+)">+</button>
      <button type="button" data-graph-action="zoom-out" aria-label="Zoom out" title="Zoom out (−)">−</button>
      <button
        type="button"
        data-graph-action="actual"
        aria-label="Actual size (100%)"
        title="Actual size (0)"
      >
        100%
      </button>
      <button
        type="button"
        data-graph-action="fit"
        aria-label="Fit the whole graph"
        title="Fit the whole graph (F)"
      >
        Fit
      </button>
      <button type="button" data-graph-action="current" title="Scroll to the current state (C)">
        Current state
      </button>
      <output class="graph-zoom" aria-live="polite">100%</output>
    </div>
    <div
      class="graph-scroll"
      tabindex="0"
      role="region"
      aria-label="${label}. Drag or use the arrow keys to move; + and − zoom, 0 is actual size, F fits the graph."
    >
      ${graph}
    </div>
  </div>`;
}
