/**
 * Attendance = the people in the meeting's MUC room as Prosody sees it, not JVB's participant count: Jicofo's
 * default `min-participants = 2` keeps a lone participant off the videobridge, so `/colibri/stats` says 0 while
 * the teacher waits in the room (issue 10, defect 2).
 *
 * The count comes from jitsi-meet's Prosody module mod_muc_size (resources/prosody-plugins/mod_muc_size.lua,
 * shipped by jitsi-meet-prosody in /usr/share/jitsi-meet/prosody-plugins/), on Prosody's HTTP port 5280:
 * `GET /room?room=<name>&domain=<base>` answers a JSON array of `{jid, email, display_name}`, one entry per
 * occupant session, without the focus user (nick ending in "/focus"), for the room
 * `<name>@conference.<base>` (`muc_mapper_domain_prefix`, default "conference"). It answers 404 when the room
 * does not exist; Jitsi rooms are created when the first person joins and destroyed when the last leaves, so
 * 404 is a known "nobody there", not an unknown. `/room-size` is not used: it subtracts 1 only when the count
 * is above 1, so a room holding only the focus reads 1.
 */
import { z } from 'zod';
import type { ParticipantCount } from './fleet';

/** Prosody's HTTP port (`http_ports`); only overridden by the real-Prosody test. */
export const PROSODY_HTTP_PORT = 5280;
const MODULE_MARKER = 'ROOM_COUNT_MODULE:';
const STATUS_MARKER = 'HTTP_STATUS:';

/** Booking makes room names from 16 random bytes (functions/api/booking.ts). */
const RoomName = z.string().regex(/^[0-9a-f]{32}$/, 'room name must be 32 lowercase hex digits');
const Hostname = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/,
    'hostname must be a lowercase DNS name',
  );
const Port = z.number().int().min(1).max(65535);

export interface RoomRef {
  hostname: string;
  roomName: string;
  /** Tests only: the real-Prosody test listens on a free port in its own range. */
  port?: number;
}

/**
 * The shell command SSM Run Command runs on the instance. Inputs are checked against strict patterns (so no
 * shell or URL metacharacter can get through) and single-quoted anyway. Prosody routes HTTP by the Host
 * header (`http_default_host`), so each request names the meeting's hostname.
 *
 * Prosody answers 404 for a path nobody serves too, so a 404 from /room alone could mean "mod_muc_size is not
 * loaded" and would end every lesson as a no-show. The command first asks mod_muc_size's own `GET /sessions`
 * (a count of client sessions, answered by the module whatever the room): only when that answers 200 is a 404
 * from /room a room that does not exist. curl prints each status on a line of its own and exits 0 on any HTTP
 * answer, so a 404 stays distinguishable from a failure.
 */
export function roomCountCommand(ref: RoomRef): string {
  const hostname = Hostname.parse(ref.hostname);
  const roomName = RoomName.parse(ref.roomName);
  const port = Port.parse(ref.port ?? PROSODY_HTTP_PORT);
  const base = `http://127.0.0.1:${port}`;
  const curl = `curl -sS --max-time 5 -H 'Host: ${hostname}'`;
  return (
    `${curl} -o /dev/null -w '${MODULE_MARKER}%{http_code}\\n' '${base}/sessions' && ` +
    `${curl} -w '\\n${STATUS_MARKER}%{http_code}\\n' '${base}/room?room=${roomName}&domain=${hostname}'`
  );
}

/**
 * What the command printed: `ROOM_COUNT_MODULE:<code>` on the first line, then /room's body, then
 * `HTTP_STATUS:<code>` on the last line.
 */
export function parseRoomCount(stdout: string): ParticipantCount {
  const check = new RegExp(`^${MODULE_MARKER}(\\d{3})\\n`).exec(stdout);
  if (!check) return { known: false, reason: 'room count output has no module check' };
  if (check[1] !== '200') {
    return { known: false, reason: `room count module is not serving (/sessions answered ${check[1]})` };
  }
  const rest = stdout.slice(check[0].length);
  const match = new RegExp(`\\n?${STATUS_MARKER}(\\d{3})\\s*$`).exec(rest);
  if (!match) return { known: false, reason: 'room count output has no HTTP status' };
  return parseRoomResponse(Number(match[1]), rest.slice(0, match.index));
}

// One entry per occupant session; only the jid matters here, the other fields are whatever the client sent.
const Occupant = z.object({ jid: z.string().min(1) });
// mod_muc_size encodes with lua-cjson, which writes an empty Lua table as `{}`: a room holding only the focus
// answers an empty object rather than an empty array.
const RoomBody = z.union([z.array(Occupant), z.object({}).strict()]);

/** The `/room` answer, shared with the local stand-in's fleet so both read it the same way. */
export function parseRoomResponse(status: number, body: string): ParticipantCount {
  if (status === 404) return { known: true, participants: 0 };
  if (status !== 200) return { known: false, reason: `room count endpoint answered ${status}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { known: false, reason: 'room count is not JSON' };
  }
  const parsed = RoomBody.safeParse(json);
  if (!parsed.success) return { known: false, reason: 'room count is not a list of occupants' };
  // A person with two sessions (two tabs) is one occupant listed twice under the same room JID.
  const jids = new Set(Array.isArray(parsed.data) ? parsed.data.map((o) => o.jid) : []);
  return { known: true, participants: jids.size };
}
