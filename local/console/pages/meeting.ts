import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { html, type Html } from '../html';
import type { MeetingView } from '../meetingsApi';
import { executionRow, page, statusBadge, when } from './shell';

/** Execution names of a meeting's revisions: `meeting-<id>`, then `meeting-<id>-r<n>` (functions/shared/meeting). */
export function isExecutionOf(meetingId: string, executionName: string | undefined): boolean {
  if (!executionName) return false;
  const base = `meeting-${meetingId}`;
  return executionName === base || new RegExp(`^${base.replace(/[-]/g, '\\-')}-r\\d+$`).test(executionName);
}

export function meetingPage(args: {
  meeting: MeetingView;
  execution: Html | undefined;
  running: boolean;
  previous: ExecutionListItem[];
  notice?: string;
}): string {
  const m = args.meeting;
  const name = m.title ?? `${m.teacherName} with ${m.studentName}`;
  return page(
    `Meeting ${name}`,
    html`<h1>Meeting: ${name}</h1>
      ${args.notice ? html`<p class="notice" role="status">${args.notice}</p>` : ''}
      <section id="live" data-running="${args.running ? 'true' : 'false'}" aria-labelledby="record-heading">
        <p class="updated" aria-live="polite">
          ${args.running ? 'Updates every 2 seconds while the execution runs.' : ''}
        </p>
        <h2 id="record-heading">Record</h2>
        <dl class="facts">
          <dt>Status</dt>
          <dd data-meeting-status="${m.status}">${statusBadge(m.status)}</dd>
          <dt>Status reason</dt>
          <dd>${m.statusReason ?? '—'}</dd>
          <dt>Teacher</dt>
          <dd>${m.teacherName}</dd>
          <dt>Student</dt>
          <dd>${m.studentName}</dd>
          <dt>Start time</dt>
          <dd>${when(m.startTime)}${m.timeZone ? html` (booked in ${m.timeZone})` : ''}</dd>
          <dt>Server launch</dt>
          <dd>${when(m.launchAt)}</dd>
          <dt>Attendance check</dt>
          <dd>${when(m.attendanceCheckAt)}</dd>
          <dt>End</dt>
          <dd>${when(m.endAt)} (${m.durationMinutes} min)</dd>
          <dt>Revision</dt>
          <dd>${m.revision}</dd>
          <dt>Instance</dt>
          <dd>${m.instanceId ?? '—'}</dd>
          <dt>Participants</dt>
          <dd>${m.participants ?? '—'}${m.attendanceNote ? html` (${m.attendanceNote})` : ''}</dd>
          <dt>ID</dt>
          <dd><code>${m.id}</code></dd>
        </dl>
        <h2>Links</h2>
        <ul>
          <li><a href="${m.teacherLink}">Teacher's join link</a></li>
          <li><a href="${m.studentLink}">Student's join link</a></li>
          <li><a href="${m.roomUrl}">Room</a></li>
          ${m.consoleUrl ? html`<li><a href="${m.consoleUrl}" rel="noreferrer">This execution in the AWS console</a> (on AWS only)</li>` : ''}
        </ul>
        ${
          args.execution ??
          html`<h2>Execution</h2>
            <p>No execution recorded for this meeting.</p>`
        }
        <h2>Previous revisions</h2>
        ${
          args.previous.length === 0
            ? html`<p>None: this meeting was never rescheduled.</p>`
            : html`<table class="revisions">
                <thead>
                  <tr>
                    <th scope="col">Execution</th>
                    <th scope="col">Status</th>
                    <th scope="col">Started</th>
                    <th scope="col">Stopped</th>
                  </tr>
                </thead>
                <tbody>
                  ${args.previous.map(executionRow)}
                </tbody>
              </table>`
        }
      </section>
      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        <p>Each action asks for confirmation on the next page.</p>
        <form method="get" action="/meetings/${m.id}/cancel" class="action">
          <button type="submit" class="danger">Cancel this meeting…</button>
        </form>
        <form method="get" action="/meetings/${m.id}/reschedule" class="action">
          <label for="startTime">New start time (ISO 8601, e.g. ${m.startTime})</label>
          <input
            id="startTime"
            name="startTime"
            type="text"
            required
            value="${m.startTime}"
            autocomplete="off"
          />
          <button type="submit">Reschedule…</button>
        </form>
      </section>`,
  );
}

/** The confirmation step: nothing changes until this form is submitted (POST, with the console's token). */
export function confirmPage(args: {
  meeting: MeetingView;
  action: 'cancel' | 'reschedule';
  csrf: string;
  startTime?: string;
  error?: string;
}): string {
  const m = args.meeting;
  const name = m.title ?? `${m.teacherName} with ${m.studentName}`;
  const question =
    args.action === 'cancel'
      ? html`Cancel the meeting “${name}” (${m.status})? Its execution is stopped and its server terminated.`
      : html`Move the meeting “${name}” from ${when(m.startTime)} to <code>${args.startTime}</code>? A new
          execution starts (revision ${m.revision + 1}).`;
  return page(
    args.action === 'cancel' ? 'Confirm cancel' : 'Confirm reschedule',
    html`<h1>${args.action === 'cancel' ? 'Cancel meeting' : 'Reschedule meeting'}</h1>
      ${args.error ? html`<p class="error" role="alert">${args.error}</p>` : ''}
      <p>${question}</p>
      <form method="post" action="/meetings/${m.id}/${args.action}">
        <input type="hidden" name="csrf" value="${args.csrf}" />
        ${args.startTime !== undefined ? html`<input type="hidden" name="startTime" value="${args.startTime}" />` : ''}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="${args.action === 'cancel' ? 'danger' : ''}" id="confirm">
          ${args.action === 'cancel' ? 'Yes, cancel the meeting' : 'Yes, reschedule'}
        </button>
        <a href="/meetings/${m.id}">No, go back</a>
      </form>`,
  );
}
