/**
 * Content negotiation for the join link (RFC 9110 §12.5.1, Accept): HTML only when the client ranks text/html
 * above application/json. A browser's navigation sends `text/html,…,*\/*;q=0.8` and gets the page; `fetch`,
 * curl and SDKs send `*\/*` (or nothing, or application/json) and keep getting JSON, as before this page
 * existed. A tie keeps JSON too. `*\/*` counts for JSON, never for HTML: the API's default stays JSON.
 */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  let wildcard = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const q = qualityOf(params);
    const type = range.trim();
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json') json = Math.max(json, q);
    else if (type === '*/*' || type === 'application/*') wildcard = Math.max(wildcard, q);
  }
  const jsonRank = Math.max(json, wildcard);
  return html > 0 && html > jsonRank;
}

function qualityOf(params: string[]): number {
  for (const p of params) {
    const [key, value] = p.split('=').map((s) => s.trim());
    if (key === 'q') {
      const q = Number(value);
      return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
    }
  }
  return 1;
}
