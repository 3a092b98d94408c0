/**
 * The join page's script, served as /join/assets/join.<hash>.js (the page's CSP allows scripts from its own
 * origin only, never inline). It shows times in the viewer's own time zone, counts down, and polls the same
 * URL's JSON (content negotiation) to follow the meeting; every value goes in through textContent or an
 * attribute, never as markup. Plain ES2017, no build step: the Lambda serves this string as it is. The words
 * come from the server (JoinState); only `countdown` repeats functions/api/join/joinState.ts (the browser test
 * reads what it shows at each phase).
 */
export const JOIN_JS = `(function () {
  'use strict';
  var root = document.getElementById('join');
  if (!root || !window.fetch || !window.Intl) return;
  var basePoll = Math.max(1, Number(root.getAttribute('data-poll-seconds')) || 10);
  var FINAL = { cancelled: true, ended: true, failed: true };
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
  var longFormat = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23'
  });
  var timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  var dayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit' });
  var $ = function (id) { return document.getElementById(id); };
  var view = null;
  var delay = basePoll;

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
    if (view) $('countdown').textContent = countdown(Date.now(), view.phase, view.startTime, view.endAt);
  }

  function poll() {
    fetch(window.location.href, {
      headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer'
    }).then(function (res) {
      if (res.status === 404) {
        $('headline').textContent = 'This link no longer works';
        $('join-action').hidden = true;
        return null;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (v) {
      if (!v) return;
      delay = basePoll;
      render(v);
      if (!FINAL[v.phase]) setTimeout(poll, delay * 1000);
    }).catch(function () {
      // Throttled (429) or offline: back off, up to a minute, and keep the last known state on screen.
      delay = Math.min(60, delay * 2);
      setTimeout(poll, delay * 1000);
    });
  }

  var initial = root.getAttribute('data-view');
  if (initial) render(JSON.parse(initial));
  setInterval(tick, 1000);
  if (!view || !FINAL[view.phase]) setTimeout(poll, basePoll * 1000);
})();
`;
