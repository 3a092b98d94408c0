import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { html, type Html } from '../html';

/** The page around every view: one stylesheet and two scripts, all from /static (a strict CSP allows nothing else). */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · meeting-scheduler console</title>
        <link rel="stylesheet" href="/static/console.css" />
        <script src="/static/console.js" defer></script>
        <script src="/static/graph.js" defer></script>
      </head>
      <body>
        <header class="top">
          <nav aria-label="Console">
            <a href="/">Meetings</a> <a href="/load">Load ahead</a>
            <a href="/state-machines">State machines</a>
          </nav>
        </header>
        <main>${body}</main>
      </body>
    </html> `.value;
}

/** A status word with its colour class: the word is always there, so colour is never the only signal. */
export function statusBadge(status: string | undefined): Html {
  const s = status ?? 'UNKNOWN';
  return html`<span class="badge badge-${s.toLowerCase()}">${s}</span>`;
}

export function when(date: Date | string | null | undefined): Html {
  if (!date) return html`—`;
  const iso = (typeof date === 'string' ? new Date(date) : date).toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

/** One row of an executions table (name linking to its page, status, start, stop), on every page that lists them. */
export function executionRow(e: ExecutionListItem): Html {
  return html`<tr data-execution-name="${e.name}">
    <td>
      <a href="/executions/view?arn=${encodeURIComponent(e.executionArn ?? '')}">${e.name}</a>
    </td>
    <td>${statusBadge(e.status)}</td>
    <td>${when(e.startDate)}</td>
    <td>${when(e.stopDate)}</td>
  </tr>`;
}

/** Pretty JSON for a payload string; the text as it was when it is not JSON. */
export function prettyJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function errorPage(status: number, message: string): string {
  return page(
    `Error ${status}`,
    html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <p role="alert">${message}</p>
      <p><a href="/">Back to the meetings</a></p>`,
  );
}
