import { POLL_SCHEDULE_JS } from './pollSchedule';

/**
 * The join page's script, served as /join/assets/join.<hash>.js (the page's CSP allows scripts from its own
 * origin only, never inline). It shows times in the viewer's own time zone, counts down, and polls the same
 * URL's JSON (content negotiation) to follow the meeting, on the schedule of pollSchedule.ts (none while the
 * launch is far away, jittered near it, backing off when refused); every value goes in through textContent or
 * an attribute, never as markup. Plain ES2017, no build step: the Lambda serves this string as it is. The words
 * come from the server (JoinState); only `countdown` repeats functions/api/join/joinState.ts (the browser test
 * reads what it shows at each phase).
 */
export const JOIN_JS = `(function () {
  'use strict';
  var root = document.getElementById('join');
  if (!root || !window.fetch || !window.Intl) return;
${POLL_SCHEDULE_JS}
  var pollMs = Math.max(1, Number(root.getAttribute('data-poll-seconds')) || 10) * 1000;
  // The schedule compares the meeting's times with now: read now on the server's clock (the page was rendered
  // a moment ago, uncached), so a viewer's wrong clock neither makes the page poll early nor miss the launch.
  var serverNow = Number(root.getAttribute('data-now'));
  var skew = isFinite(serverNow) && serverNow > 0 ? serverNow - Date.now() : 0;
  function now() { return Date.now() + skew; }
  var FINAL = FINAL_PHASES;
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
  var longFormat = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23'
  });
  var timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  var dayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit' });
  var $ = function (id) { return document.getElementById(id); };
  var view = null;
  var failures = 0;
  var retryAfter = 0;
  var nextAt = null;
  var timer = null;
  var inFlight = false;

  function sameDay(a, b) { return dayFormat.format(a) === dayFormat.format(b); }
  /** "14:50" today, "Thu 26 Nov 2026, 14:50" on another day: in the viewer's zone. */
  function short(iso) {
    var d = new Date(iso);
    return sameDay(d, new Date()) ? timeFormat.format(d) : longFormat.format(d);
  }
  function phrase(p) { return p.text + (p.at ? ' ' + short(p.at) : ''); }
  function setTime(el, iso) {
    if (!el || !iso) return;
    el.setAttribute('datetime', iso);
    el.textContent = longFormat.format(new Date(iso));
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function duration(ms) {
    var s = Math.floor(ms / 1000);
    if (s >= 86400) return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
    if (s >= 3600) return Math.floor(s / 3600) + ' h ' + pad(Math.floor((s % 3600) / 60)) + ' min';
    if (s >= 60) return Math.floor(s / 60) + ' min ' + pad(s % 60) + ' s';
    return s + ' s';
  }
  function countdown(now, phase, startTime, endAt) {
    if (phase === 'cancelled') return 'cancelled';
    if (phase === 'ended' || phase === 'failed') return 'over';
    var start = Date.parse(startTime);
    var end = Date.parse(endAt);
    if (now < start) return 'starts in ' + duration(start - now);
    if (now < end) return 'started ' + duration(now - start) + ' ago, ends in ' + duration(end - now);
    return 'past its planned end';
  }

  function render(v) {
    view = v;
    var status = $('status');
    status.className = 'status status-' + v.phase;
    status.setAttribute('data-phase', v.phase);
    $('badge').textContent = v.label;
    $('headline').textContent = phrase(v.headline);
    $('detail').textContent = phrase(v.detail);
    var join = $('join-action');
    var link = $('join-link');
    if (v.joinUrl) {
      link.setAttribute('href', v.joinUrl);
      link.textContent = 'Join the meeting as ' + v.displayName;
      join.hidden = false;
    } else {
      join.hidden = true;
      link.removeAttribute('href');
    }
    setTime($('start'), v.startTime);
    $('start-zone').textContent = '(your time: ' + viewerZone + ')';
    setTime($('end'), v.endedAt || v.endAt);
    $('end-label').textContent = v.endedAt ? 'Ended' : 'Ends';
    $('update-note').textContent = FINAL[v.phase] ? 'This page no longer changes.' : 'This page updates itself.';
    tick();
  }

  function tick() {
    if (view) $('countdown').textContent = countdown(now(), view.phase, view.startTime, view.endAt);
  }

  /** Plans the next poll from the schedule; none once the meeting is over. */
  function schedule() {
    var delay = nextPollDelay({
      now: now(),
      phase: view ? view.phase : 'starting',
      launchAt: view ? Date.parse(view.launchAt) : NaN,
      pollMs: pollMs,
      failures: failures,
      retryAfterMs: retryAfter
    }, Math.random);
    nextAt = delay === null ? null : now() + delay;
    arm();
  }
  // One timer, at most a minute long, that checks the planned instant when it fires: a launch days away is
  // past setTimeout's 24.8-day range, and a laptop that slept (or a background tab whose timers were held
  // back) polls as soon as it runs again, not a whole interval late.
  function arm() {
    clearTimeout(timer);
    if (nextAt === null) return;
    timer = setTimeout(due, Math.max(0, Math.min(60000, nextAt - now())));
  }
  function due() {
    if (nextAt === null || inFlight) return;
    if (now() >= nextAt) poll(); else arm();
  }

  function poll() {
    inFlight = true;
    nextAt = null;
    fetch(window.location.href, {
      headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer'
    }).then(function (res) {
      if (res.status === 404) {
        $('headline').textContent = 'This link no longer works';
        $('join-action').hidden = true;
        return 'gone';
      }
      if (!res.ok) {
        // Throttled (429), or the API is unwell: back off, honouring Retry-After; the last state stays on screen.
        failures += 1;
        retryAfter = retryAfterMs(res.headers.get('retry-after'), now());
        return null;
      }
      return res.json().then(function (v) {
        failures = 0;
        retryAfter = 0;
        render(v);
        return v;
      });
    }, function () {
      failures += 1;
      retryAfter = 0;
      return null;
    }).then(function (outcome) {
      inFlight = false;
      if (outcome !== 'gone') schedule();
    }, function () {
      // A body that is not the JSON expected: count it as a failure and try again later.
      inFlight = false;
      failures += 1;
      schedule();
    });
  }

  var initial = root.getAttribute('data-view');
  if (initial) render(JSON.parse(initial));
  setInterval(tick, 1000);
  schedule();
  document.addEventListener('visibilitychange', function () { if (!document.hidden) due(); });
})();
`;
