import { html, type Html } from './html';
import { type LaunchLoad, minuteLabel } from './launchLoad';

/** Geometry of the chart, in SVG user units (the SVG scales down on a narrow window). */
const BAR = 2;
const LEFT = 52;
const RIGHT = 120;
const TOP = 16;
const PLOT = 180;
const BOTTOM = 34;

const fmt = (n: number) => n.toLocaleString('en-US');

/** 1, 2 or 5 × 10^k: a tick step that gives about four lines up to `max`. */
function tickStep(max: number): number {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? power * 10;
}

/** The chart's summary in words: the SVG's description and the text above it say the same. */
export function loadSummary(load: LaunchLoad, hours: number): string {
  const parts = [
    `${fmt(load.total)} launches in the next ${hours} h against a capacity of ${fmt(load.capacity)} a minute.`,
  ];
  if (load.peak)
    parts.push(`Busiest minute: ${minuteLabel(load, load.peak.minute)} with ${fmt(load.peak.count)}.`);
  parts.push(
    load.over.length === 0
      ? 'No minute is over capacity.'
      : `${load.over.length} ${load.over.length === 1 ? 'minute is' : 'minutes are'} over capacity, the first at ${minuteLabel(load, load.over[0])}.`,
  );
  return parts.join(' ');
}

/**
 * Launches per minute as bars against the capacity line, server-rendered SVG like the execution graphs (colours
 * from console.css by class, so the strict CSP holds). A minute over capacity gets a red bar, a shaded column
 * behind it the full height of the chart (a thin bar is easy to miss) and a mark under the axis; its title says
 * so in words, and the table beside the chart lists every minute with launches.
 */
export function renderLoadChart(load: LaunchLoad, hours: number): Html {
  const minutes = load.counts.length;
  const width = LEFT + minutes * BAR + RIGHT;
  const height = TOP + PLOT + BOTTOM;
  const top = Math.max(load.capacity, load.peak?.count ?? 0) * 1.15;
  const step = tickStep(top);
  const yMax = Math.ceil(top / step) * step;
  const y = (v: number) => TOP + PLOT - (v / yMax) * PLOT;
  const x = (minute: number) => LEFT + minute * BAR;
  const over = new Set(load.over);
  const ticks: number[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push(v);
  // An x label every hour (every 15 minutes for a window of two hours or less).
  const every = minutes <= 120 ? 15 : 60;
  const firstLabel = (every - (load.from.getUTCMinutes() % every)) % every;
  const labels: number[] = [];
  for (let m = firstLabel; m < minutes; m += every) labels.push(m);
  const capacityY = y(load.capacity);
  return html`<svg
    class="load-chart"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-labelledby="load-chart-title load-chart-desc"
    data-capacity="${load.capacity}"
  >
    <title id="load-chart-title">Launches per minute, next ${hours} hours, against the launch capacity</title>
    <desc id="load-chart-desc">${loadSummary(load, hours)}</desc>
    ${[...over].map(
      (m) =>
        html`<rect class="over-band" x="${x(m) - 1}" y="${TOP}" width="${BAR + 2}" height="${PLOT}" /><rect
            class="over-mark"
            x="${x(m) - 1}"
            y="${TOP + PLOT + 2}"
            width="${BAR + 2}"
            height="5"
          />`,
    )}
    ${ticks.map(
      (v) =>
        html`<line class="grid" x1="${LEFT}" x2="${LEFT + minutes * BAR}" y1="${y(v)}" y2="${y(v)}" /><text
            class="axis"
            x="${LEFT - 6}"
            y="${y(v) + 4}"
            text-anchor="end"
            >${fmt(v)}</text
          >`,
    )}
    ${labels.map(
      (m) =>
        html`<line class="tick" x1="${x(m)}" x2="${x(m)}" y1="${TOP + PLOT}" y2="${TOP + PLOT + 4}" /><text
            class="axis"
            x="${x(m)}"
            y="${TOP + PLOT + 22}"
            text-anchor="middle"
            >${minuteLabel(load, m).replace(' UTC', '')}</text
          >`,
    )}
    <text class="axis" x="${LEFT + minutes * BAR + 8}" y="${TOP + PLOT + 22}">UTC</text>
    ${load.counts.map((count, m) =>
      count === 0
        ? ''
        : html`<rect
            class="bar${over.has(m) ? ' over' : ''}"
            x="${x(m)}"
            y="${y(count)}"
            width="${BAR}"
            height="${TOP + PLOT - y(count)}"
            data-minute="${minuteLabel(load, m)}"
            data-launches="${count}"
            ><title>
              ${minuteLabel(load, m)}: ${fmt(count)}
              ${count === 1 ? 'launch' : 'launches'}${
                over.has(m) ? `, ${fmt(count - load.capacity)} over capacity` : ''
              }
            </title></rect
          >`,
    )}
    <line class="capacity" x1="${LEFT}" x2="${LEFT + minutes * BAR}" y1="${capacityY}" y2="${capacityY}" />
    <text class="capacity-label" x="${LEFT + minutes * BAR + 8}" y="${capacityY + 4}">
      capacity ${fmt(load.capacity)}/min
    </text>
    <line class="axis-line" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + PLOT}" />
    <line class="axis-line" x1="${LEFT}" x2="${LEFT + minutes * BAR}" y1="${TOP + PLOT}" y2="${TOP + PLOT}" />
  </svg>`;
}
