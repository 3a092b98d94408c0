/**
 * A stand-in for one meeting's Jitsi server, run as its own process by the local fleet (local/fleet.ts):
 * /health answers once the simulated boot is over, /colibri/stats counts participants like JVB does,
 * /room?room=&domain= answers like Prosody's mod_muc_size (functions/shared/roomOccupancy.ts), and any other
 * path is the room page, where a person joins and leaves, so attendance in the local stack is real.
 *
 * Settings come from the environment: BOOT_DELAY_MS, MAX_LIFETIME_MS, MEETING_ID, JITSI_HOSTNAME, JICOFO_CONFIG,
 * and LAUNCH_LOG: a file this server appends one line to once it listens ({meetingId, pid, port, at}).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bootDelayMs = Number(process.env.BOOT_DELAY_MS ?? 0);
const maxLifetimeMs = Number(process.env.MAX_LIFETIME_MS ?? 12 * 3600_000);
const meetingId = process.env.MEETING_ID ?? 'unknown';
const bootedAt = Date.now() + bootDelayMs;
const hostname = process.env.JITSI_HOSTNAME ?? '';
/**
 * MUC rooms by name, each the set of its people. Like Jitsi's non-persistent rooms, a room exists from the
 * first join to the last leave; Jicofo's "focus" occupant is implied in every room and never listed.
 */
const rooms = new Map<string, Set<string>>();
/**
 * Jicofo's default `min-participants = 2`: a conference goes on the bridge only from its second participant, so
 * JVB counts nobody while one person waits alone in the room.
 */
const MIN_PARTICIPANTS = 2;
const bridged = () => [...rooms.values()].filter((people) => people.size >= MIN_PARTICIPANTS);

const page = (room: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meeting room</title>
<style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto}button{font-size:1rem;margin-right:.5rem}</style>
</head><body>
<h1>Meeting room</h1>
<p>Local stand-in for the Jitsi server of meeting <code>${meetingId}</code>, room <code>${room.replace(/[^a-z0-9]/gi, '')}</code>.</p>
<p><button id="join">Join</button><button id="leave" disabled>Leave</button></p>
<p>In the room now: <strong id="count">…</strong></p>
<script>
const id = crypto.randomUUID();
const base = location.pathname.replace(/\\/$/, '');
const count = document.getElementById('count');
const occupancy = '/room?room=' + encodeURIComponent(base.slice(1)) + '&domain=' + encodeURIComponent(${JSON.stringify(hostname).replace(/</g, '\\u003c')});
async function refresh() {
  const res = await fetch(occupancy);
  count.textContent = res.status === 404 ? 0 : (await res.json()).length;
}
async function act(what) {
  await fetch(base + '/' + what, { method: 'POST', body: id });
  document.getElementById('join').disabled = what === 'join';
  document.getElementById('leave').disabled = what !== 'join';
  await refresh();
}
document.getElementById('join').onclick = () => act('join');
document.getElementById('leave').onclick = () => act('leave');
addEventListener('pagehide', () => navigator.sendBeacon(base + '/leave', id));
refresh();
</script>
</body></html>`;

const booted = () => Date.now() >= bootedAt;
const jicofoHealthEnabled = jicofoHealthIn(process.env.JICOFO_CONFIG);

/** `jicofo.health.enabled` as the last assignment in a jicofo.conf says (HOCON: a later value wins). */
function jicofoHealthIn(file: string | undefined): boolean {
  if (!file) return false;
  const values = [
    ...readFileSync(file, 'utf8').matchAll(/^\s*jicofo\.health\.enabled\s*=\s*(true|false)\s*$/gm),
  ];
  return values.at(-1)?.[1] === 'true';
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  // The videobridge's private interface answers /about/health. /health is what our nginx site answers (the
  // bridge's and Jicofo's health together); the local fleet, which runs no nginx, probes it here.
  if (path === '/about/health')
    return booted() ? send(200, 'text/plain', 'ok') : send(500, 'text/plain', 'booting');
  if (path === '/health') {
    if (!jicofoHealthEnabled) return send(404, 'text/plain', 'jicofo health checks are disabled');
    return booted() ? send(200, 'text/plain', 'ok') : send(503, 'text/plain', 'booting');
  }
  // Who this process is, so a restarted local stack never mistakes a process that reused a saved PID for it.
  if (path === '/identity') {
    return send(200, 'application/json', JSON.stringify({ meetingId, pid: process.pid }));
  }
  if (path === '/colibri/stats') {
    const conferences = bridged();
    const participants = conferences.reduce((n, people) => n + people.size, 0);
    return send(200, 'application/json', JSON.stringify({ participants, conferences: conferences.length }));
  }
  // mod_muc_size's contract: the room's occupants without the focus, 404 when the room does not exist (nobody
  // in it, or a room name or domain that is not this server's).
  if (path === '/room' && req.method === 'GET') {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const people = query.get('domain') === hostname ? rooms.get(query.get('room') ?? '') : undefined;
    if (!people) return send(404, 'text/plain', 'not found');
    const occupants = [...people].map((nick) => ({
      jid: `${query.get('room')}@conference.${hostname}/${nick}`,
      email: '',
      display_name: '',
    }));
    return send(200, 'application/json', JSON.stringify(occupants));
  }
  const action = /^\/([A-Za-z0-9]+)\/(join|leave)$/.exec(path);
  if (action && req.method === 'POST') {
    let body = '';
    req.on('data', (c: Buffer) => (body = (body + c.toString()).slice(0, 100)));
    req.on('end', () => {
      // The nick "focus" is Jicofo's; a person never gets it (mod_muc_size would hide them).
      const who =
        body
          .trim()
          .replace(/[^A-Za-z0-9-]/g, '')
          .replace(/^focus$/, '') || 'anonymous';
      const [, room, what] = action;
      const people = rooms.get(room) ?? new Set<string>();
      if (what === 'join') rooms.set(room, people.add(who));
      else if (people.delete(who) && people.size === 0) rooms.delete(room);
      send(204, 'text/plain', '');
    });
    return;
  }
  if (req.method === 'GET' && /^\/[A-Za-z0-9]+$/.test(path))
    return send(200, 'text/html; charset=utf-8', page(path.slice(1)));
  send(404, 'text/plain', 'not found');
});

/**
 * Jicofo's REST API (127.0.0.1:8888 on a server). Like Jicofo, it serves /about/health only with health checks
 * enabled, which jicofo's reference.conf leaves off (`jicofo.health.enabled = false`): the stand-in reads the
 * same lines the bootstrap appends to jicofo.conf (infra/bootstrap/jicofo.conf, given as JICOFO_CONFIG).
 */
const jicofo = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const [status, body] =
    path !== '/about/health' || !jicofoHealthEnabled
      ? [404, 'not found']
      : booted()
        ? [200, 'ok']
        : [500, 'booting'];
  res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(body);
});

// The fleet that started this server may be killed before it reads the line below: writing to its closed pipe
// then fails (EPIPE), which must not stop the server. Like an instance, it outlives its control plane.
process.stdout.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  jicofo.listen(0, '127.0.0.1', () => {
    const port = (server.address() as AddressInfo).port;
    const jicofoPort = (jicofo.address() as AddressInfo).port;
    // Said by the server itself, so every server that ever ran is on record, and a restarted fleet finds one
    // whose launcher was killed before it learnt the port. One short line per append (O_APPEND): never torn.
    if (process.env.LAUNCH_LOG) {
      const at = new Date().toISOString();
      appendFileSync(
        process.env.LAUNCH_LOG,
        `${JSON.stringify({ meetingId, pid: process.pid, port, at })}\n`,
      );
    }
    process.stdout.write(`${JSON.stringify({ port, jicofoPort })}\n`);
  });
});
// Like the EC2 bootstrap's shutdown timer: never outlive the maximum lifetime, whatever the control plane does.
setTimeout(() => process.exit(0), maxLifetimeMs).unref();
process.on('SIGTERM', () => process.exit(0));
