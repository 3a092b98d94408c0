import { MEETING_STATUSES } from '../../../functions/shared/meeting';
import { html } from '../html';
import type { MeetingView } from '../meetingsApi';
import { page, statusBadge, when } from './shell';

/** The meetings table, newest first (the API's order), with a status filter that works without JavaScript. */
export function meetingsPage(
  items: MeetingView[],
  status: string | undefined,
  nextToken: string | null,
): string {
  const next = nextToken
    ? `/?${new URLSearchParams({ ...(status ? { status } : {}), nextToken }).toString()}`
    : undefined;
  return page(
    'Meetings',
    html`<h1>Meetings</h1>
      <form class="filter" method="get" action="/">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="" ${status ? '' : html` selected`}>any</option>
          ${MEETING_STATUSES.map((s) => html`<option value="${s}" ${s === status ? html` selected` : ''}>${s}</option>`)}
        </select>
        <button type="submit">Filter</button>
      </form>
      <p class="hint">Newest first${status ? html`; showing ${status} only` : ''}. ${items.length} shown.</p>
      <table class="meetings">
        <thead>
          <tr>
            <th scope="col">Start time</th>
            <th scope="col">Meeting</th>
            <th scope="col">Status</th>
            <th scope="col">Status reason</th>
            <th scope="col">Links</th>
          </tr>
        </thead>
        <tbody>
          ${
            items.length === 0
              ? html`<tr>
                  <td colspan="5">No meetings${status ? html` with status ${status}` : ''}.</td>
                </tr>`
              : items.map(
                  (m) =>
                    html`<tr data-meeting-id="${m.id}" data-status="${m.status}">
                      <td>${when(m.startTime)}</td>
                      <td>
                        <a href="/meetings/${m.id}">${m.title ?? `${m.teacherName} with ${m.studentName}`}</a>
                      </td>
                      <td>${statusBadge(m.status)}</td>
                      <td>${m.statusReason ?? '—'}</td>
                      <td>
                        <a href="${m.teacherLink}">teacher's link</a> ·
                        <a href="${m.studentLink}">student's link</a>
                      </td>
                    </tr>`,
                )
          }
        </tbody>
      </table>
      ${next ? html`<p><a href="${next}">Next page</a></p>` : ''}`,
  );
}
