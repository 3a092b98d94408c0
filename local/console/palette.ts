import type { StateStatus } from './stateStatus';

/**
 * How each status looks. Colour is never the only signal: every node also carries the status in words and an
 * icon, and not-reached nodes a dashed outline. The same values are written into console.css (a test checks the
 * two agree) and each text/fill pair has a WCAG contrast of at least 4.5:1.
 */
export const STATUS_LOOK: Record<StateStatus, { fill: string; text: string; icon: string; label: string }> = {
  'not-reached': { fill: '#f3f4f6', text: '#374151', icon: '○', label: 'not reached' },
  'in-progress': { fill: '#1d4ed8', text: '#ffffff', icon: '▶', label: 'in progress' },
  waiting: { fill: '#6d28d9', text: '#ffffff', icon: '◔', label: 'waiting' },
  succeeded: { fill: '#166534', text: '#ffffff', icon: '✓', label: 'succeeded' },
  caught: { fill: '#fde68a', text: '#78350f', icon: '⚠', label: 'failed, caught' },
  failed: { fill: '#b91c1c', text: '#ffffff', icon: '✗', label: 'failed' },
  aborted: { fill: '#4b5563', text: '#ffffff', icon: '■', label: 'aborted' },
};

/** Relative luminance of an sRGB colour `#rrggbb` (WCAG 2.x). */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
