import { execFileSync } from 'node:child_process';
import { parseRoomCount, roomCountCommand } from '../../functions/shared/roomOccupancy';

const room = { hostname: 'm1.meet.example.test', roomName: '0123456789abcdef0123456789abcdef' };

describe('roomCountCommand', () => {
  test("checks mod_muc_size answers, then asks /room with the meeting's Host header, printing statuses", () => {
    const curl = "curl -sS --max-time 5 -H 'Host: m1.meet.example.test'";
    expect(roomCountCommand(room)).toBe(
      `${curl} -o /dev/null -w 'ROOM_COUNT_MODULE:%{http_code}\\n' 'http://127.0.0.1:5280/sessions' && ` +
        `${curl} -w '\\nHTTP_STATUS:%{http_code}\\n' ` +
        "'http://127.0.0.1:5280/room?room=0123456789abcdef0123456789abcdef&domain=m1.meet.example.test'",
    );
    expect(roomCountCommand({ ...room, port: 15280 })).toContain("'http://127.0.0.1:15280/room?");
  });

  test('is valid bash', () => {
    // bash -n parses without running anything.
    expect(() => execFileSync('bash', ['-n', '-c', roomCountCommand(room)])).not.toThrow();
  });

  test.each([
    ['room name with shell syntax', { roomName: "x'; reboot; '" }],
    ['room name in upper case', { roomName: '0123456789ABCDEF0123456789ABCDEF' }],
    ['room name too short', { roomName: 'abc' }],
    ['hostname with a quote', { hostname: "m1.example.test' -o /etc/passwd '" }],
    ['hostname with a space', { hostname: 'm1.example.test other' }],
    ['hostname with a path', { hostname: 'm1.example.test/x' }],
    ['hostname without a dot', { hostname: 'localhost' }],
    ['hostname in upper case', { hostname: 'M1.EXAMPLE.TEST' }],
    ['empty hostname', { hostname: '' }],
    ['port out of range', { port: 70000 }],
  ])('refuses a %s', (_, bad) => {
    expect(() => roomCountCommand({ ...room, ...bad })).toThrow();
  });
});

describe('parseRoomCount', () => {
  const out = (body: string, status: number) => `ROOM_COUNT_MODULE:200\n${body}\nHTTP_STATUS:${status}\n`;
  const occupant = (nick: string) => ({ jid: `r@conference.h/${nick}`, email: '', display_name: nick });

  test('200 with occupants: the number of distinct room JIDs (a person in two tabs counts once)', () => {
    const body = JSON.stringify([occupant('a'), occupant('b'), occupant('a')]);
    expect(parseRoomCount(out(body, 200))).toEqual({ known: true, participants: 2 });
    expect(parseRoomCount(out(JSON.stringify([occupant('a')]), 200))).toEqual({
      known: true,
      participants: 1,
    });
  });

  test('200 with an empty list, or the `{}` lua-cjson writes for one: a room holding only the focus', () => {
    expect(parseRoomCount(out('[]', 200))).toEqual({ known: true, participants: 0 });
    expect(parseRoomCount(out('{}', 200))).toEqual({ known: true, participants: 0 });
  });

  test('404 while the module answers: the room does not exist, nobody is there (a known zero)', () => {
    expect(parseRoomCount(out('', 404))).toEqual({ known: true, participants: 0 });
  });

  test('a module that does not answer /sessions (not loaded, wrong Host) makes any 404 unknown, not zero', () => {
    expect(parseRoomCount('ROOM_COUNT_MODULE:404\n\nHTTP_STATUS:404\n')).toEqual({
      known: false,
      reason: 'room count module is not serving (/sessions answered 404)',
    });
    expect(parseRoomCount('\nHTTP_STATUS:404\n')).toEqual({
      known: false,
      reason: 'room count output has no module check',
    });
  });

  test('anything else is unknown, with the reason', () => {
    expect(parseRoomCount(out('', 500))).toEqual({
      known: false,
      reason: 'room count endpoint answered 500',
    });
    expect(parseRoomCount(out('', 403))).toEqual({
      known: false,
      reason: 'room count endpoint answered 403',
    });
    expect(parseRoomCount('ROOM_COUNT_MODULE:200\n\nHTTP_STATUS:000\n')).toEqual({
      known: false,
      reason: 'room count endpoint answered 0',
    });
    expect(parseRoomCount(out('<html>', 200))).toEqual({ known: false, reason: 'room count is not JSON' });
    expect(parseRoomCount(out('{"participants":3}', 200))).toEqual({
      known: false,
      reason: 'room count is not a list of occupants',
    });
    expect(parseRoomCount(out('[{"email":""}]', 200)).known).toBe(false);
    expect(parseRoomCount('ROOM_COUNT_MODULE:200\ncurl: (28) timed out')).toEqual({
      known: false,
      reason: 'room count output has no HTTP status',
    });
    expect(parseRoomCount('')).toMatchObject({ known: false });
  });
});
