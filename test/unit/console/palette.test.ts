import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contrast, STATUS_LOOK } from '../../../local/console/palette';
import { STATE_STATUSES } from '../../../local/console/stateStatus';

const css = readFileSync(join(__dirname, '../../../local/console/static/console.css'), 'utf8');

describe('status colours', () => {
  test.each(STATE_STATUSES)('%s: text on its fill has a contrast of at least 4.5:1', (status) => {
    const { fill, text } = STATUS_LOOK[status];
    expect(contrast(fill, text)).toBeGreaterThanOrEqual(4.5);
  });

  test.each(STATE_STATUSES)('%s: the stylesheet draws the palette’s fill and text colours', (status) => {
    const { fill, text } = STATUS_LOOK[status];
    expect(css).toMatch(new RegExp(`\\.st-${status} \\.box[^{]*\\{[^}]*fill: ${fill};`));
    expect(css).toMatch(new RegExp(`\\.st-${status} text[^{]*\\{[^}]*fill: ${text};`));
  });

  test('every status has its own words and icon, so colour is never the only signal', () => {
    const labels = STATE_STATUSES.map((s) => STATUS_LOOK[s].label);
    const icons = STATE_STATUSES.map((s) => STATUS_LOOK[s].icon);
    expect(new Set(labels).size).toBe(STATE_STATUSES.length);
    expect(new Set(icons).size).toBe(STATE_STATUSES.length);
  });

  test('every stylesheet rule that sets both a background and a text colour has a contrast of at least 4.5:1', () => {
    const rules = [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)];
    const pairs = rules
      .map(([, selector, body]) => ({
        selector: selector.trim(),
        background: /(?:^|[\s;])background: (#[0-9a-f]{6});/.exec(body)?.[1],
        color: /(?:^|[\s;])color: (#[0-9a-f]{6});/.exec(body)?.[1],
      }))
      .filter((r) => r.background && r.color);
    expect(pairs.length).toBeGreaterThan(5);
    for (const r of pairs) {
      expect({ selector: r.selector, ok: contrast(r.background!, r.color!) >= 4.5 }).toEqual({
        selector: r.selector,
        ok: true,
      });
    }
  });

  test('contrast follows WCAG: black on white is 21, a colour on itself is 1', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#1d4ed8', '#1d4ed8')).toBe(1);
  });
});
