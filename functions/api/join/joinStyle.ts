/**
 * The join page's stylesheet, served as /join/assets/join.<hash>.css so the page's CSP can forbid inline
 * style. One column, 18 px text, no fixed widths: readable on a phone without zooming. Status colours are
 * dark text on a light tint, each pair above 4.5:1 (WCAG 2.x AA for normal text; the browser test computes
 * the ratios), and every status also says its name in a badge.
 */
export const JOIN_CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #4b5563; --line: #d1d5db; }
* { box-sizing: border-box; }
html { font-size: 112.5%; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
  color: var(--ink); background: #ffffff; }
main { max-width: 36rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 0.25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
.role { margin: 0 0 1rem; color: var(--muted); overflow-wrap: anywhere; }
.status { border: 2px solid currentColor; border-radius: 0.5rem; padding: 0.75rem 1rem; margin: 0 0 0.75rem; }
.status .badge { display: inline-block; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  font-size: 0.85rem; border: 1px solid currentColor; border-radius: 0.25rem; padding: 0 0.4rem;
  margin-right: 0.5rem; }
.status .headline { font-weight: 700; font-size: 1.15rem; }
.status-scheduled { color: #1e40af; background: #eff6ff; }
.status-starting { color: #92400e; background: #fffbeb; }
.status-ready { color: #14532d; background: #f0fdf4; }
.status-cancelled { color: #374151; background: #f3f4f6; }
.status-ended { color: #374151; background: #f3f4f6; }
.status-failed { color: #991b1b; background: #fef2f2; }
.detail { margin: 0 0 1rem; }
.join { margin: 1rem 0; }
.join a { display: block; text-align: center; font-weight: 700; font-size: 1.15rem; color: #ffffff;
  background: #14532d; border-radius: 0.5rem; padding: 0.9rem 1rem; text-decoration: none;
  overflow-wrap: anywhere; }
.join a:hover, .join a:focus { background: #052e16; }
a:focus-visible { outline: 3px solid #1e40af; outline-offset: 2px; }
dl { margin: 0; }
dt { font-weight: 700; margin-top: 0.5rem; }
dd { margin: 0; }
.zone { color: var(--muted); }
.reload { margin-top: 2rem; color: var(--muted); font-size: 0.9rem; }
.reload a { color: #1e40af; }
[hidden] { display: none !important; }
`;
