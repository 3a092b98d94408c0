import { PUBLISHED_LIMITS, launchesPerMinute } from '../../../functions/shared/awsLimits';
import { launchLoad, minuteLabel } from '../../../local/console/launchLoad';
import { loadSummary, renderLoadChart } from '../../../local/console/loadChart';
import { loadPage } from '../../../local/console/pages/load';

const now = new Date('2030-01-01T14:02:30Z');
const scheduled = (launchAt: string, status = 'SCHEDULED') => ({ status, launchAt });
const many = (n: number, launchAt: string) => Array.from({ length: n }, () => scheduled(launchAt));

describe('the load ahead: launches per minute', () => {
  test('SCHEDULED launches are counted per minute from the current one; other statuses and other times are not', () => {
    const load = launchLoad(
      [
        scheduled('2030-01-01T14:02:00Z'), // this minute (already begun)
        scheduled('2030-01-01T14:02:59.999Z'),
        scheduled('2030-01-01T14:03:00Z'),
        scheduled('2030-01-01T15:50:10Z'),
        scheduled('2030-01-01T15:50:50Z'),
        scheduled('2030-01-01T20:01:59Z'), // the last minute of six hours
        scheduled('2030-01-01T20:02:00Z'), // past the window
        scheduled('2030-01-01T14:01:59Z'), // due already: overdue, not drawn
        scheduled('2030-01-01T15:50:00Z', 'LAUNCHING'),
        scheduled('2030-01-01T15:50:00Z', 'CANCELLED'),
        scheduled('not a time'),
      ],
      { now, hours: 6, capacity: 96 },
    );
    expect(load.from.toISOString()).toBe('2030-01-01T14:02:00.000Z');
    expect(load.counts).toHaveLength(360);
    expect(load.counts[0]).toBe(2);
    expect(load.counts[1]).toBe(1);
    expect(load.counts[108]).toBe(2);
    expect(minuteLabel(load, 108)).toBe('15:50 UTC');
    expect(load.counts[359]).toBe(1);
    expect(load.total).toBe(6);
    expect(load.overdue).toBe(1);
    expect(load.peak).toEqual({ minute: 0, count: 2 });
    expect(load.over).toEqual([]);
  });

  test('minutes over capacity are the ones with more launches than it (equal is not over)', () => {
    const capacity = launchesPerMinute(PUBLISHED_LIMITS);
    expect(capacity).toBe(96);
    const load = launchLoad(
      [
        ...many(1000, '2030-01-01T15:50:00Z'), // today's design: every lesson of 16:00 launches at 15:50
        ...many(96, '2030-01-01T16:40:00Z'), // exactly the capacity
        ...many(97, '2030-01-01T17:40:00Z'),
      ],
      { now, hours: 6, capacity },
    );
    expect(load.over.map((m) => minuteLabel(load, m))).toEqual(['15:50 UTC', '17:40 UTC']);
    expect(load.peak).toEqual({ minute: 108, count: 1000 });
    expect(loadSummary(load, 6)).toBe(
      '1,193 launches in the next 6 h against a capacity of 96 a minute. Busiest minute: 15:50 UTC with 1,000. ' +
        '2 minutes are over capacity, the first at 15:50 UTC.',
    );
  });

  test('the chart: one bar per minute with launches, red when over, a capacity line, a title and a description', () => {
    const load = launchLoad([...many(3, '2030-01-01T15:50:00Z'), scheduled('2030-01-01T16:10:00Z')], {
      now,
      hours: 6,
      capacity: 2,
    });
    const svg = renderLoadChart(load, 6).value;
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="load-chart-title load-chart-desc"');
    expect(svg).toContain(
      '<title id="load-chart-title">Launches per minute, next 6 hours, against the launch capacity</title>',
    );
    expect(svg).toContain(`<desc id="load-chart-desc">${loadSummary(load, 6)}</desc>`);
    const bars = [
      ...svg.matchAll(/<rect\s+class="(bar[^"]*)"[^>]*data-minute="([^"]+)"\s+data-launches="(\d+)"/g),
    ];
    expect(bars.map((b) => [b[1], b[2], b[3]])).toEqual([
      ['bar over', '15:50 UTC', '3'],
      ['bar', '16:10 UTC', '1'],
    ]);
    expect(svg.match(/class="over-band"/g)).toHaveLength(1);
    expect(svg).toMatch(/class="capacity"/);
    expect(svg).toMatch(/capacity 2\/min/);
    expect(svg).toMatch(/15:50 UTC: 3\s+launches, 1 over capacity/);
    // No inline style: colours come from console.css by class (the console's CSP).
    expect(svg).not.toMatch(/\sstyle=|\sfill="#/);
  });

  test('the page lists the minutes over capacity first in its table, and says when nothing launches', () => {
    const load = launchLoad([scheduled('2030-01-01T14:10:00Z'), ...many(3, '2030-01-01T15:50:00Z')], {
      now,
      hours: 6,
      capacity: 2,
    });
    const note = { requestRefill: 2, resourceRefill: 2, share: 0.8 };
    const html = loadPage({ load, hours: 6, note, truncated: false });
    const rows = [...html.matchAll(/<tr\s+data-minute="([^"]+)"\s+data-launches="(\d+)"\s+class="([^"]*)"/g)];
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['15:50 UTC', '3', 'over'],
      ['14:10 UTC', '1', ''],
    ]);
    expect(html).toContain('<strong>1 over</strong>');
    const empty = loadPage({
      load: launchLoad([], { now, hours: 2, capacity: 96 }),
      hours: 2,
      note,
      truncated: false,
    });
    expect(empty).toContain('No launches in the next 2 h.');
    expect(empty).toContain('No minute is over capacity.');
  });
});
