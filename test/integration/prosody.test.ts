import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseRoomCount, roomCountCommand } from '../../functions/shared/roomOccupancy';

/**
 * The attendance command against a real Prosody 0.12 (Debian's), configured like a Jitsi server: an anonymous
 * main VirtualHost, its "conference" MUC component, and the real infra/bootstrap/prosody-room-count.cfg.lua.
 * People join with a real XMPP client. Only mod_muc_size is a test-only implementation of jitsi's documented
 * contract (test/fixtures/prosody/mod_muc_size.lua): jitsi's own module is not in Debian.
 */

// @xmpp/client ships no types: the little of it used here, typed by hand.
interface XmlElement {
  attrs: Record<string, string | undefined>;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string): XmlElement[];
}
interface XmppClient {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(element: XmlElement): Promise<void>;
  on(event: 'stanza', listener: (stanza: XmlElement) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface XmppModule {
  client(options: { service: string; domain: string }): XmppClient;
  xml(name: string, attrs?: Record<string, string>, ...children: XmlElement[]): XmlElement;
}
const { client, xml } = createRequire(__filename)('@xmpp/client') as XmppModule;

const FIXTURES = join(__dirname, '../fixtures/prosody');
const SNIPPET = join(__dirname, '../../infra/bootstrap/prosody-room-count.cfg.lua');
const HOST = 'm1.meet.example.test';
const ROOM = '0123456789abcdef0123456789abcdef';
const MUC_NS = 'http://jabber.org/protocol/muc';

/** Two free ports in this suite's range (15200–15299). */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let port = 15200; port < 15300 && ports.length < count; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports in 15200-15299');
  return ports;
}

const render = (file: string, values: Record<string, string>) =>
  Object.entries(values).reduce(
    (text, [key, value]) => text.replaceAll(`@@${key}@@`, value),
    readFileSync(file, 'utf8'),
  );

/** Every client started, so a failed test leaves none reconnecting (@xmpp/client reconnects by default). */
const clients: XmppClient[] = [];

/** An XMPP user in the meeting's room under `nick`, as a Jitsi client (or Jicofo's focus) would be. */
async function join_(c2sPort: number, nick: string) {
  const xmpp = client({ service: `xmpp://127.0.0.1:${c2sPort}`, domain: HOST }); // no credentials: SASL ANONYMOUS
  clients.push(xmpp);
  const occupant = `${ROOM}@conference.${HOST}/${nick}`;
  const self: ((stanza: XmlElement) => void)[] = [];
  xmpp.on('error', () => undefined); // a failure shows as a timeout below, with the nick
  xmpp.on('stanza', (stanza) => self.forEach((listener) => listener(stanza)));
  // Our own presence comes back from the room with status 110 once the room has us (or no longer has us).
  const selfPresence = (type: 'available' | 'unavailable') =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${nick}: no ${type} self-presence`)), 10_000);
      self.push((stanza) => {
        const x = stanza.getChild('x', `${MUC_NS}#user`);
        const isSelf = x?.getChildren('status').some((s) => s.attrs.code === '110');
        if (stanza.attrs.from === occupant && isSelf && (stanza.attrs.type ?? 'available') === type) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  await xmpp.start();
  const joined = selfPresence('available');
  await xmpp.send(xml('presence', { to: occupant }, xml('x', { xmlns: MUC_NS })));
  await joined;
  return {
    async leave() {
      const left = selfPresence('unavailable');
      await xmpp.send(xml('presence', { to: occupant, type: 'unavailable' }));
      await left;
      await xmpp.stop();
    },
  };
}

describe('attendance command against a real Prosody with the room-count config', () => {
  let dir: string;
  let prosody: ChildProcess;
  let c2sPort: number;
  let command: string;
  /** Runs the production command string exactly as SSM would hand it to a shell, and parses its output. */
  const count = async () => {
    const { stdout } = await promisify(execFile)('bash', ['-c', command]);
    return parseRoomCount(stdout);
  };

  beforeAll(async () => {
    const [c2s, http] = await freePorts(2);
    c2sPort = c2s;
    dir = mkdtempSync(join(tmpdir(), 'prosody-'));
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'data'));
    const global = { DIR: dir, PLUGINS: FIXTURES, C2S_PORT: String(c2s), HTTP_PORT: String(http) };
    writeFileSync(join(dir, 'prosody.cfg.lua'), render(join(FIXTURES, 'prosody.cfg.lua'), global));
    writeFileSync(
      join(dir, 'conf.d', `${HOST}.cfg.lua`),
      render(join(FIXTURES, 'jitsi-host.cfg.lua'), { FQDN: HOST }),
    );
    // Where and how the bootstrap installs it (see the file's header).
    writeFileSync(
      join(dir, 'conf.d', 'meeting-scheduler-room-count.cfg.lua'),
      render(SNIPPET, { FQDN: HOST }),
    );
    command = roomCountCommand({ hostname: HOST, roomName: ROOM, port: http });

    prosody = spawn('/usr/bin/prosody', ['-F', '--config', join(dir, 'prosody.cfg.lua')], {
      stdio: 'ignore',
    });
    // Ready once the room-count routes answer (404: no such room yet); give up after 20 s.
    for (let attempt = 0; ; attempt++) {
      const ready = await fetch(`http://127.0.0.1:${http}/room?room=${ROOM}&domain=${HOST}`, {
        headers: { host: HOST },
      }).then(
        (res) => res.status === 404,
        () => false,
      );
      if (ready) break;
      if (attempt >= 100 || prosody.exitCode !== null) {
        throw new Error(`prosody did not start:\n${readFileSync(join(dir, 'prosody.log'), 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.stop()));
    if (prosody && prosody.exitCode === null) {
      const exited = new Promise((resolve) => prosody.once('exit', resolve));
      prosody.kill('SIGTERM');
      const timer = setTimeout(() => prosody.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // One room, followed through a lesson: each step depends on the one before.
  test('nobody, one person alone, focus plus one, two people, everyone gone', async () => {
    expect(await count()).toEqual({ known: true, participants: 0 }); // never joined: no room, 404

    const teacher = await join_(c2sPort, 'teacher');
    expect(await count()).toEqual({ known: true, participants: 1 }); // the lone teacher is counted

    const focus = await join_(c2sPort, 'focus');
    expect(await count()).toEqual({ known: true, participants: 1 }); // Jicofo's focus is not a person

    const student = await join_(c2sPort, 'student');
    expect(await count()).toEqual({ known: true, participants: 2 });

    await student.leave();
    await teacher.leave();
    // Only the focus is left: the room still exists and lists nobody (mod_muc_size writes `{}`).
    expect(await count()).toEqual({ known: true, participants: 0 });
    await focus.leave();
    expect(await count()).toEqual({ known: true, participants: 0 }); // the room is gone again: 404
  }, 60_000);

  test("another Host header is not the meeting's: unknown, never a zero that would end the lesson", async () => {
    const other = command.replaceAll(`'Host: ${HOST}'`, "'Host: other.example.test'");
    const { stdout } = await promisify(execFile)('bash', ['-c', other]);
    expect(parseRoomCount(stdout)).toEqual({
      known: false,
      reason: 'room count module is not serving (/sessions answered 404)',
    });
  });
});
