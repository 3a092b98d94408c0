import { createHash } from 'node:crypto';
import { JOIN_JS } from './joinScript';
import { JOIN_CSS } from './joinStyle';

export interface Asset {
  contentType: string;
  body: string;
}

const hashed = (base: string, ext: string, body: string) =>
  `${base}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;

/**
 * File names carry a hash of the content, so a new deploy is a new URL and each may be cached for a year
 * (`immutable`); the page itself is never cached.
 */
/** A page without an icon makes the browser ask for /favicon.ico, a 404 on this API: it gets this one. */
const JOIN_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#14532d"/></svg>';

export const ASSET_NAMES = {
  css: hashed('join', 'css', JOIN_CSS),
  js: hashed('join', 'js', JOIN_JS),
  icon: hashed('join', 'svg', JOIN_ICON),
} as const;

export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  [ASSET_NAMES.css, { contentType: 'text/css; charset=utf-8', body: JOIN_CSS }],
  [ASSET_NAMES.js, { contentType: 'text/javascript; charset=utf-8', body: JOIN_JS }],
  [ASSET_NAMES.icon, { contentType: 'image/svg+xml', body: JOIN_ICON }],
]);
