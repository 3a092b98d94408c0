import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const MAX_FORM_BYTES = 16 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Content-Security-Policy with nothing inline: scripts, styles and the forms' targets are this origin only.
 * The SVG graph is inline markup coloured by classes from the stylesheet (no style attributes).
 */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/**
 * What every request must pass before it reaches a page. The console has no login and can cancel meetings, so
 * a page on another site must not be able to drive it through the visitor's browser.
 */
export function guardRequest(req: IncomingMessage, origin: string): void {
  const port = new URL(origin).port;
  const ours = [origin, `http://localhost:${port}`];
  // A DNS-rebinding page reaches loopback under a foreign Host name: answer only our own.
  if (!ours.map((o) => new URL(o).host).includes(req.headers.host ?? ''))
    throw new HttpError(421, 'unexpected Host header');
  if (req.method === 'POST') {
    // A form post from another site is refused before its token is even read. Chromium sends Origin "null" on
    // our own posts (Referrer-Policy: no-referrer), so Sec-Fetch-Site decides where browsers send it.
    const site = req.headers['sec-fetch-site'];
    const from = req.headers.origin;
    const foreignOrigin = from !== undefined && from !== 'null' && !ours.includes(from);
    if ((site !== undefined && site !== 'same-origin') || foreignOrigin)
      throw new HttpError(403, 'cross-site form post refused');
  } else if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
}

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpError(415, 'expected a form post');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
