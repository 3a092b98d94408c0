/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is already Html, so a
 * meeting title like `<script>` or a state name with quotes is shown as text, never run. The same tag as the
 * join page's (one escaping rule for every page this project serves).
 */
import { Html } from '../../functions/api/join/html';

export { escapeHtml, html, Html } from '../../functions/api/join/html';

/** Trusted markup (only for strings this module's own renderers produced). */
export const trusted = (markup: string) => new Html(markup);
