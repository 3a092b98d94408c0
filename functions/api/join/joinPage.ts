import { ASSET_NAMES } from './joinAssets';
import { countdown, isFinal, type Phrase } from './joinState';
import { refreshSeconds } from './pollSchedule';
import type { JoinView } from './joinView';
import { html, type Html } from './html';

/**
 * The page's headers. The CSP allows nothing inline and nothing from elsewhere: scripts, styles and the
 * polling request only from this origin. The token is in the URL, so no Referer ever leaves the page.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface PageOptions {
  now: Date;
  pollSeconds: number;
  /** Uniform in [0, 1): the jitter of the no-JavaScript page's reload (tests pass their own). */
  random?: () => number;
}

/**
 * The join page, complete without its script: a status page that reloads itself when scripts are off, on the
 * script's own schedule (pollSchedule.ts): once at the launch when it is far away, every 30 s or more near it.
 */
export function renderJoinPage(view: JoinView, { now, pollSeconds, random }: PageOptions): string {
  const zone = view.timeZone ?? 'UTC';
  const final = isFinal(view.phase);
  const title = view.title ?? 'Tutoring meeting';
  const end = view.endedAt ?? view.endAt;
  const body = html` <main
    id="join"
    data-poll-seconds="${pollSeconds}"
    data-now="${now.getTime()}"
    data-view="${JSON.stringify(view)}"
  >
    <h1>${title}</h1>
    <p class="role">You are the <strong>${view.role}</strong>: ${view.displayName}</p>
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <p id="status" class="status status-${view.phase}" data-phase="${view.phase}" role="status">
        <span id="badge" class="badge">${view.label}</span>
        <span id="headline" class="headline">${phrase(view.headline, zone, now)}</span>
      </p>
      <p id="detail" class="detail">${phrase(view.detail, zone, now)}</p>
      <p id="join-action" class="join" ${view.joinUrl ? '' : html` hidden`}>
        <a id="join-link" ${view.joinUrl ? html`href="${view.joinUrl}"` : ''}
          >Join the meeting as ${view.displayName}</a
        >
      </p>
    </section>
    <section aria-labelledby="when-heading">
      <h2 id="when-heading">When</h2>
      <dl>
        <dt>Starts</dt>
        <dd>
          <time id="start" datetime="${view.startTime}">${longTime(view.startTime, zone)}</time>
          <span id="start-zone" class="zone">(${zone} time)</span>
        </dd>
        <dt>Booked for</dt>
        <dd id="booked">${longTime(view.startTime, zone)} <span class="zone">(${zone})</span></dd>
        <dt id="end-label">${view.endedAt ? 'Ended' : 'Ends'}</dt>
        <dd><time id="end" datetime="${end}">${longTime(end, zone)}</time></dd>
        <dt>Countdown</dt>
        <dd id="countdown">${countdown(now.getTime(), view.phase, view.startTime, view.endAt)}</dd>
      </dl>
    </section>
    <p class="reload">
      <span id="update-note">${final ? 'This page no longer changes.' : 'This page updates itself.'}</span>
      <a href="">Reload this page</a>
    </p>
  </main>`;
  const refresh = refreshSeconds(
    {
      now: now.getTime(),
      phase: view.phase,
      launchAt: Date.parse(view.launchAt),
      pollMs: pollSeconds * 1000,
    },
    random,
  );
  return document(`${title}: join`, body, final ? undefined : refresh);
}

/** The one answer to every link that is not a live one: the same bytes whatever the token was. */
export function renderNotFoundPage(): string {
  return document(
    'Link not found',
    html` <main>
      <h1>Link not found</h1>
      <p>This meeting link does not exist or no longer works. Check that you opened the whole link.</p>
    </main>`,
  );
}

function document(title: string, body: Html, refreshSeconds?: number): string {
  // Without scripts the page still follows the meeting: a meta refresh that only a script-less browser sees.
  const refresh =
    refreshSeconds === undefined
      ? ''
      : html`<noscript><meta http-equiv="refresh" content="${refreshSeconds}" /></noscript>`;
  // Relative asset URLs (`assets/…` from /join/{token}) keep working behind a custom-domain base path.
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <link rel="stylesheet" href="assets/${ASSET_NAMES.css}" />
        <link rel="icon" href="assets/${ASSET_NAMES.icon}" type="image/svg+xml" />
        <script src="assets/${ASSET_NAMES.js}" defer></script>
        ${refresh}
      </head>
      <body>
        ${body}
      </body>
    </html> `.value;
}

const LONG: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

function longTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { ...LONG, timeZone }).format(new Date(iso));
}

/** "The room opens at 14:50" on the same day, with the date on another one; in the booking's zone. */
function phrase(p: Phrase, timeZone: string, now: Date): string {
  if (!p.at) return p.text;
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short' });
  const at = new Date(p.at);
  const when =
    day.format(at) === day.format(now)
      ? new Intl.DateTimeFormat('en-GB', {
          timeZone,
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(at)
      : longTime(p.at, timeZone);
  return `${p.text} ${when} (${timeZone})`;
}
