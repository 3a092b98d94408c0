import { SFNClient } from '@aws-sdk/client-sfn';
import { handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import { newMeeting } from '../../functions/api/booking';
import { escapeHtml, html } from '../../functions/api/join/html';
import { ASSET_NAMES } from '../../functions/api/join/joinAssets';
import { countdown, joinState } from '../../functions/api/join/joinState';
import { JOIN_JS } from '../../functions/api/join/joinScript';
import { joinThrottleFor } from '../../functions/api/join/joinThrottle';
import {
  MAX_BACKOFF_MS,
  nextPollDelay,
  POLL_SCHEDULE_JS,
  refreshSeconds,
  retryAfterMs,
  type PollInput,
} from '../../functions/api/join/pollSchedule';
import { wantsHtml } from '../../functions/api/join/negotiate';
import type { MeetingRecord, MeetingStatus } from '../../functions/shared/meeting';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld, TEST_TIMINGS } from '../support/world';

const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('join link content negotiation', () => {
  test.each([
    [BROWSER_ACCEPT, true],
    ['text/html', true],
    ['application/json;q=0.5, text/html', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['text/html, application/json', false],
    ['text/html;q=0, */*', false],
    ['text/html;q=0.5, */*', false],
    ['text/plain', false],
  ])('Accept %p → HTML %p', (accept, expected) => {
    expect(wantsHtml(accept)).toBe(expected);
  });
});

describe('HTML escaping', () => {
  test('escapeHtml turns every markup character into an entity', () => {
    expect(escapeHtml(`<img src=x onerror="alert('x')">&`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;',
    );
  });

  test('the html tag escapes interpolated strings but keeps nested html, and drops null/false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${null}${false}${['<', html`<br />`]}</p>`.value).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;<br /></p>',
    );
  });
});

describe('join state in plain words', () => {
  const base = newMeeting({
    id: '11111111-1111-4111-8111-111111111111',
    booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 30 },
    start: new Date('2030-01-01T14:00:00Z'),
    now: new Date('2029-12-31T00:00:00Z'),
    timings: TEST_TIMINGS,
    jitsiDomain: 'meet.example.com',
  });
  const state = (status: MeetingStatus, extra: Partial<MeetingRecord> & { endedAt?: string } = {}) =>
    joinState({ ...base, status, ...extra }, 'student');

  test('each status has its phase, badge and sentence', () => {
    expect(state('SCHEDULED')).toMatchObject({
      phase: 'scheduled',
      label: 'Scheduled',
      headline: { text: 'The room opens at', at: base.launchAt },
    });
    expect(state('LAUNCHING')).toMatchObject({
      phase: 'starting',
      headline: { text: 'The server is starting' },
    });
    expect(state('READY')).toMatchObject({ phase: 'ready', headline: { text: 'Ready: join' } });
    expect(state('IN_PROGRESS').detail.text).toBe(
      'Someone is in the room already: the teacher may be waiting.',
    );
    expect(state('CANCELLED')).toMatchObject({ phase: 'cancelled', headline: { text: 'Cancelled' } });
    expect(state('COMPLETED')).toMatchObject({
      phase: 'ended',
      headline: { text: 'Ended' },
      detail: { at: base.endAt },
    });
    expect(state('FAILED').phase).toBe('failed');
  });

  test('a recorded real end (endedAt) is the end shown, not the planned one', () => {
    expect(state('COMPLETED', { endedAt: '2030-01-01T14:41:00Z' }).detail).toEqual({
      text: 'The meeting ended at',
      at: '2030-01-01T14:41:00Z',
    });
  });

  test('the countdown counts to the start, then to the end', () => {
    const start = '2030-01-01T14:00:00Z';
    const end = '2030-01-01T14:30:00Z';
    const at = (iso: string) => Date.parse(iso);
    expect(countdown(at('2030-01-01T13:55:48Z'), 'scheduled', start, end)).toBe('starts in 4 min 12 s');
    expect(countdown(at('2030-01-01T11:58:00Z'), 'scheduled', start, end)).toBe('starts in 2 h 02 min');
    expect(countdown(at('2030-01-01T14:03:00Z'), 'ready', start, end)).toBe(
      'started 3 min 00 s ago, ends in 27 min 00 s',
    );
    expect(countdown(at('2030-01-01T14:03:00Z'), 'cancelled', start, end)).toBe('cancelled');
  });
});

describe("the join page's polling schedule", () => {
  const launch = Date.parse('2030-01-01T15:50:00Z');
  const at = (iso: string) => Date.parse(iso);
  const base: PollInput = {
    now: at('2030-01-01T15:00:00Z'),
    phase: 'scheduled',
    launchAt: launch,
    pollMs: 10_000,
    failures: 0,
    retryAfterMs: 0,
  };
  const delay = (extra: Partial<PollInput>, r = 0.5) => nextPollDelay({ ...base, ...extra }, () => r);

  test('far from launch: one wait until the launch (plus up to 1.5 intervals), nothing before it', () => {
    expect(delay({}, 0)).toBe(50 * 60_000);
    expect(delay({}, 0.25)).toBe(50 * 60_000 + 2500);
    expect(delay({}, 0.5)).toBe(50 * 60_000 + 15_000);
    expect(delay({}, 0.999_999)).toBe(50 * 60_000 + 5000);
    // Days ahead: one wait all the same (the page re-arms its timer at most a minute at a time).
    expect(delay({ now: at('2029-12-20T15:50:00Z') }, 0)).toBe(12 * 86_400_000);
  });

  test('2,000 pages that waited for one launch poll at a steady 200 a second from the first second on', () => {
    let seed = 3;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    const perSecond = new Array<number>(40).fill(0);
    for (let page = 0; page < 2000; page++) {
      let now = launch - 60_000;
      for (;;) {
        now += nextPollDelay({ ...base, phase: 'scheduled', now }, random)!;
        if (now >= launch + 40_000) break;
        perSecond[Math.floor((now - launch) / 1000)] += 1;
      }
    }
    // Without the stationary first offset the seconds where first and second polls overlap got about 1.5×.
    for (const n of perSecond) {
      expect(n).toBeGreaterThan(150);
      expect(n).toBeLessThan(250);
    }
  });

  test('near launch: the interval with ±50 % jitter, drawn anew each time; ready: six times slower', () => {
    for (const phase of ['starting', 'scheduled'] as const) {
      const now = phase === 'scheduled' ? launch + 1000 : launch + 60_000;
      expect(delay({ phase, now }, 0)).toBe(5000);
      expect(delay({ phase, now }, 0.5)).toBe(10_000);
      expect(delay({ phase, now }, 0.999_999)).toBe(15_000);
    }
    expect(delay({ phase: 'ready', now: launch + 120_000 }, 0)).toBe(30_000);
    expect(delay({ phase: 'ready', now: launch + 120_000 }, 0.999_999)).toBe(90_000);
  });

  test('pages opened together drift apart: 2,000 pages near launch poll at 0.2 requests/s each, not in step', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 2000 }, () =>
      nextPollDelay({ ...base, phase: 'starting', now: launch }, random),
    ) as number[];
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(9500);
    expect(mean).toBeLessThan(10_500);
    // No second of the next interval gets more than about twice its share (100 of 2,000 over 10 s).
    const perSecond = new Map<number, number>();
    for (const d of delays)
      perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(2 * 200);
    expect([...perSecond.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  test('cancelled, ended and failed: never again', () => {
    for (const phase of ['cancelled', 'ended', 'failed']) expect(delay({ phase })).toBeNull();
    // Even after failures: an ended meeting is not asked about again.
    expect(delay({ phase: 'ended', failures: 3 })).toBeNull();
  });

  test('failures back off exponentially with equal jitter, capped at two minutes', () => {
    const near = { phase: 'starting', now: launch + 60_000 };
    expect([1, 2, 3, 4].map((failures) => delay({ ...near, failures }, 0))).toEqual([
      10_000, 20_000, 40_000, 60_000,
    ]);
    expect([1, 2, 3, 4].map((failures) => delay({ ...near, failures }, 0.999_999))).toEqual([
      20_000, 40_000, 80_000, 120_000,
    ]);
    expect(delay({ ...near, failures: 30 }, 0.999_999)).toBe(MAX_BACKOFF_MS);
    expect(delay({ ...near, failures: 30 }, 0)).toBe(MAX_BACKOFF_MS / 2);
    // A failure while the launch is still far away backs off the same way, then the far wait resumes.
    expect(delay({ failures: 1 }, 0)).toBe(10_000);
  });

  test('Retry-After is honoured (never earlier), with up to one interval of jitter, and bounded', () => {
    const near = { phase: 'starting', now: launch + 60_000, failures: 1 };
    expect(delay({ ...near, retryAfterMs: 45_000 }, 0)).toBe(45_000);
    expect(delay({ ...near, retryAfterMs: 45_000 }, 0.5)).toBe(50_000);
    // A short Retry-After does not shorten the backoff.
    expect(delay({ ...near, failures: 3, retryAfterMs: 1000 }, 0)).toBe(40_000);
    // An absurd one is cut to ten minutes.
    expect(delay({ ...near, retryAfterMs: 86_400_000 }, 0)).toBe(600_000);
    expect(retryAfterMs('120', 0)).toBe(120_000);
    expect(retryAfterMs('Wed, 01 Jan 2030 15:51:00 GMT', launch)).toBe(60_000);
    expect([retryAfterMs(null, 0), retryAfterMs('soon', 0), retryAfterMs('-5', 0)]).toEqual([0, 0, 0]);
  });

  test('the browser runs this very schedule: the script embeds its source', () => {
    expect(JOIN_JS).toContain(POLL_SCHEDULE_JS);
  });

  test('without JavaScript the page reloads at the launch when it is far, every 30 s or more near it, at most hourly', () => {
    const input = { now: base.now, phase: 'scheduled', launchAt: launch, pollMs: 10_000 };
    expect(refreshSeconds({ ...input, now: launch - 20 * 60_000 }, () => 0)).toBe(1200);
    expect(refreshSeconds({ ...input, now: launch - 3 * 3600_000 }, () => 0)).toBe(3600);
    expect(refreshSeconds({ ...input, phase: 'starting', now: launch }, () => 0.999)).toBe(30);
    expect(refreshSeconds({ ...input, phase: 'ready', now: launch }, () => 0.5)).toBe(60);
    expect(refreshSeconds({ ...input, phase: 'cancelled' })).toBeUndefined();
  });
});

/**
 * 1,000 lessons at 16:00 on the real schedule: every page's requests, second by second, against API Gateway's
 * token bucket with the derived throttle. The worst case for the join route: no launch slots, so every server
 * launches at 15:50 and is ready at 15:53; pages opened at random over the hour before the start.
 */
describe('the join route at the top of the hour (2,000 pages, the real schedule)', () => {
  const t = (hhmm: string) => Date.parse(`2030-01-01T${hhmm}:00Z`);
  const launch = t('15:50');
  const ready = t('15:53');
  const end = t('16:45');
  const phaseAt = (ms: number) =>
    ms < launch ? 'scheduled' : ms < ready ? 'starting' : ms < end ? 'ready' : 'ended';
  let seed = 7;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;

  /** Every request's instant: the page load, then each poll the schedule asks for, until it stops. */
  const requests: number[] = [];
  for (let page = 0; page < 2000; page++) {
    const opened = t('15:00') + Math.floor(random() * 3600_000);
    requests.push(opened);
    let now = opened;
    let phase = phaseAt(now);
    for (;;) {
      const delay = nextPollDelay(
        { now, phase, launchAt: launch, pollMs: 10_000, failures: 0, retryAfterMs: 0 },
        random,
      );
      if (delay === null || now + delay > t('17:00')) break;
      now += delay;
      requests.push(now);
      phase = phaseAt(now);
    }
  }
  requests.sort((a, b) => a - b);

  test('before the launch only the page loads themselves reach the route', () => {
    const before = requests.filter((r) => r < launch).length;
    // The pages opened before 15:50 (5/6 of them), one request each.
    expect(before).toBeGreaterThan(1500);
    expect(before).toBeLessThan(1800);
  });

  test('the derived throttle (300/s, burst 600) refuses none of them; the old 5/s would refuse many', () => {
    const refused = ({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }) => {
      let tokens = burstLimit;
      let last = requests[0];
      let n = 0;
      for (const r of requests) {
        tokens = Math.min(burstLimit, tokens + ((r - last) / 1000) * rateLimit);
        last = r;
        if (tokens >= 1) tokens -= 1;
        else n += 1;
      }
      return n;
    };
    expect(refused(joinThrottleFor(1000))).toBe(0);
    expect(refused({ rateLimit: 5, burstLimit: 10 })).toBeGreaterThan(10_000);
    // The busiest second, for the record: about 2,000 pages ÷ 10 s, well below the 300 allowed.
    const perSecond = new Map<number, number>();
    for (const r of requests)
      perSecond.set(Math.floor(r / 1000), (perSecond.get(Math.floor(r / 1000)) ?? 0) + 1);
    const peak = Math.max(...perSecond.values());
    expect(peak).toBeGreaterThan(150);
    expect(peak).toBeLessThan(300);
  });
});

describe("the join route's throttle, from the lessons of the busiest minute", () => {
  test('2 pages × lessons ÷ poll interval × 1.5, burst twice that', () => {
    expect(joinThrottleFor(1000)).toEqual({ rateLimit: 300, burstLimit: 600 });
    expect(joinThrottleFor(100)).toEqual({ rateLimit: 30, burstLimit: 60 });
    expect(joinThrottleFor(1000, 20)).toEqual({ rateLimit: 150, burstLimit: 300 });
  });

  test("never below the old 5/10, never above API Gateway's account limits (10,000/s, burst 5,000)", () => {
    expect(joinThrottleFor(1)).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(joinThrottleFor(10_000)).toEqual({ rateLimit: 3000, burstLimit: 5000 });
    expect(joinThrottleFor(100_000)).toEqual({ rateLimit: 10_000, burstLimit: 5000 });
  });
});

/** The route on a real table (dynalite): records written directly, so even names booking would refuse. */
describe('GET /join/{token} as a page', () => {
  let dynamo: LocalDynamo;
  let deps: ApiDeps;
  const config: ApiConfig = {
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m',
    region: 'eu-west-1',
    jitsiDomain: 'meet.example.com',
    maxBodyBytes: 16 * 1024,
    timings: TEST_TIMINGS,
  };
  const now = new Date('2030-01-01T13:00:00Z');
  beforeAll(async () => {
    const world = await dynamoWorld();
    dynamo = world.dynamo;
    deps = {
      store: world.store,
      sfn: new SFNClient({}),
      config,
      now: () => now,
      teardown: async () => undefined,
    };
  });
  afterAll(() => dynamo.close());

  const get = (path: string, accept?: string) =>
    handleApiRequest({ method: 'GET', path, headers: accept ? { accept } : {}, query: {} }, deps);
  const store = async (extra: Partial<MeetingRecord>) => {
    const m = {
      ...newMeeting({
        id: crypto.randomUUID(),
        booking: {
          teacherName: 'Ada',
          studentName: 'Ben',
          startTime: 'x',
          durationMinutes: 30,
          timeZone: 'Europe/Berlin',
        },
        start: new Date('2030-01-01T14:00:00Z'),
        now,
        timings: TEST_TIMINGS,
        jitsiDomain: 'meet.example.com',
      }),
      ...extra,
    };
    await deps.store.create(m);
    return m;
  };

  test('a browser gets HTML with a strict CSP, nosniff and no-referrer; an API client keeps the JSON', async () => {
    const m = await store({});
    const path = `/join/${m.id}.${m.teacherToken}`;
    const page = await get(path, BROWSER_ACCEPT);
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      vary: 'accept',
    });
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).toContain('<h1>Tutoring meeting</h1>');
    expect(page.body).toContain('The room opens at 14:50 (Europe/Berlin)');
    expect(page.body).toContain('starts in 1 h 00 min');
    // Without JavaScript it reloads once, at the launch (50 min away, plus up to 1.5 intervals of 10 s).
    const refresh = Number(/http-equiv="refresh" content="(\d+)"/.exec(page.body)?.[1]);
    expect(refresh).toBeGreaterThanOrEqual(3000);
    expect(refresh).toBeLessThanOrEqual(3015);
    // The script reads now on the server's clock.
    expect(page.body).toContain(`data-now="${now.getTime()}"`);

    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await get(path, accept);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toMatchObject({
        role: 'teacher',
        displayName: 'Ada',
        status: 'SCHEDULED',
        joinUrl: null,
        phase: 'scheduled',
      });
    }
  });

  test('nothing inline: every script has a src, no style element or attribute, no event handler', async () => {
    const m = await store({ status: 'READY' });
    const { body } = await get(`/join/${m.id}.${m.studentToken}`, BROWSER_ACCEPT);
    const scripts = body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toEqual([
      `<script src="assets/${ASSET_NAMES.js}" defer></script>`.replace('</script>', ''),
    ]);
    expect(body).not.toMatch(/<style\b/);
    expect(body).not.toMatch(/\sstyle=/);
    expect(body).not.toMatch(/\son[a-z]+=/);
    expect(body).toContain(`href="assets/${ASSET_NAMES.css}"`);
  });

  test('names and titles with markup are shown as text, in content and attributes alike', async () => {
    const m = await store({
      status: 'READY',
      studentName: `<img src=x onerror="alert(1)"> & 'Bo'`,
      title: '</h1><script>alert(2)</script>',
    });
    const { body } = await get(`/join/${m.id}.${m.studentToken}`, BROWSER_ACCEPT);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('<h1>&lt;/h1&gt;&lt;script&gt;alert(2)&lt;/script&gt;</h1>');
    expect(body).toContain(
      'Join the meeting as &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;Bo&#39;',
    );
  });

  test('every link that is not live answers the same 404, page or JSON', async () => {
    const m = await store({});
    const secret = m.studentToken;
    const tokens = [
      `${m.id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
      `${crypto.randomUUID()}.${secret}`,
      'garbage',
      'assets',
    ];
    const pages = await Promise.all(tokens.map((t) => get(`/join/${t}`, BROWSER_ACCEPT)));
    for (const p of pages) {
      expect(p.statusCode).toBe(404);
      expect(p.body).toBe(pages[0].body);
      expect(p.headers).toEqual(pages[0].headers);
    }
    expect(pages[0].body).toContain('<h1>Link not found</h1>');
    const json = await Promise.all(tokens.map((t) => get(`/join/${t}`)));
    for (const j of json)
      expect({ status: j.statusCode, body: j.body }).toEqual({ status: 404, body: json[0].body });
  });

  test('the script and stylesheet are served with a year of cache; other names are 404', async () => {
    const js = await get(`/join/assets/${ASSET_NAMES.js}`);
    expect(js).toMatchObject({
      statusCode: 200,
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      },
    });
    expect((await get(`/join/assets/${ASSET_NAMES.css}`)).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await get(`/join/assets/${ASSET_NAMES.icon}`)).headers['content-type']).toBe('image/svg+xml');
    expect((await get('/join/assets/join.js')).statusCode).toBe(404);
  });
});
