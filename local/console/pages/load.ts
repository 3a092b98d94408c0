import { html } from '../html';
import { type LaunchLoad, minuteLabel } from '../launchLoad';
import { loadSummary, renderLoadChart } from '../loadChart';
import { page } from './shell';

/** Windows the page offers; the chart draws two pixels a minute, so a day is about 3,000 wide. */
export const LOAD_HOURS = [1, 2, 3, 6, 12, 24] as const;
export const DEFAULT_LOAD_HOURS = 6;

/** Where the capacity figure comes from, shown under the chart. */
export interface CapacityNote {
  /** RunInstances' request refill and resource refill, per second. */
  requestRefill: number;
  resourceRefill: number;
  /** The share of the lower rate launches are planned to use. */
  share: number;
}

/**
 * "The load ahead": launches per minute for the next hours against the account's launch capacity, so a
 * crowded hour shows before it comes. The chart, its summary in words, and a table of every minute with
 * launches (the chart's accessible twin; minutes over capacity first).
 */
export function loadPage(args: {
  load: LaunchLoad;
  hours: number;
  note: CapacityNote;
  /** More SCHEDULED meetings than the console reads (it stops after a number of pages). */
  truncated: boolean;
}): string {
  const { load, hours, note } = args;
  const rows = load.counts
    .map((count, minute) => ({ count, minute }))
    .filter((r) => r.count > 0)
    .sort((a, b) => Number(b.count > load.capacity) - Number(a.count > load.capacity) || a.minute - b.minute);
  return page(
    'Load ahead',
    html`<h1>Load ahead: launches per minute</h1>
      <form class="filter" method="get" action="/load">
        <label for="hours">Next</label>
        <select id="hours" name="hours">
          ${LOAD_HOURS.map((h) => html`<option value="${h}" ${h === hours ? html` selected` : ''}>${h} h</option>`)}
        </select>
        <button type="submit">Show</button>
      </form>
      <p id="load-summary" class="${load.over.length > 0 ? 'warning' : ''}" role="status">
        ${loadSummary(load, hours)}
      </p>
      ${
        load.overdue > 0
          ? html`<p class="warning" id="load-overdue">
              ${load.overdue} SCHEDULED ${load.overdue === 1 ? 'meeting is' : 'meetings are'} past
              ${load.overdue === 1 ? 'its' : 'their'} launch time and not launched yet (not in the chart).
            </p>`
          : ''
      }
      ${
        args.truncated
          ? html`<p class="warning">
              Only the first SCHEDULED meetings the meetings API listed are counted: there are more.
            </p>`
          : ''
      }
      <div class="graph-scroll">${renderLoadChart(load, hours)}</div>
      <p class="hint">
        Each bar is one minute (UTC) of SCHEDULED meetings' launch times (<code>launchAt</code>, each
        meeting's launch slot). The line is the launches a minute this account's EC2 limits carry as planned:
        min(RunInstances refill ${note.requestRefill}/s, instance refill ${note.resourceRefill}/s) × 60 ×
        ${note.share} = ${load.capacity} (<code>launchesPerMinute</code> in
        <code>functions/shared/awsLimits.ts</code>). Minutes above it are red, shaded and marked under the
        axis: their launches queue on EC2's throttle.
      </p>
      <h2 id="load-table-heading">Minutes with launches</h2>
      <table class="load" aria-labelledby="load-table-heading">
        <thead>
          <tr>
            <th scope="col">Minute</th>
            <th scope="col">Launches</th>
            <th scope="col">Capacity</th>
            <th scope="col">Over by</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length === 0
              ? html`<tr>
                  <td colspan="4">No launches in the next ${hours} h.</td>
                </tr>`
              : rows.map(
                  (r) =>
                    html`<tr
                      data-minute="${minuteLabel(load, r.minute)}"
                      data-launches="${r.count}"
                      class="${r.count > load.capacity ? 'over' : ''}"
                    >
                      <td>${minuteLabel(load, r.minute)}</td>
                      <td>${r.count}</td>
                      <td>${load.capacity}</td>
                      <td>
                        ${r.count > load.capacity ? html`<strong>${r.count - load.capacity} over</strong>` : '—'}
                      </td>
                    </tr>`,
                )
          }
        </tbody>
      </table>`,
  );
}
