import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAttendance } from '../../functions/attendance-check/checkAttendance';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import type { TaskDeps } from '../../functions/shared/taskDeps';
import type { LocalDynamo } from '../../local/dynamo';
import { launchLogOf, LocalFleet, type LocalServer } from '../../local/fleet';
import { dynamoWorld, scheduleMeeting } from '../support/world';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The local stand-in for EC2: real processes, found again after a restart, and only ever its own. */
describe('local fleet', () => {
  const options = (stateFile: string) => ({ stateFile, bootDelayMs: 0, maxLifetimeMs: 60_000 });
  const MEETING = '11111111-1111-4111-8111-111111111111';

  test('a restarted stack finds the servers left running and stops them at teardown', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
    const before = await LocalFleet.open(options(stateFile));
    const { instanceId } = await before.launch({ meetingId: MEETING, hostname: '' });
    const server = before.serverOf(MEETING)!;
    expect(server.instanceId).toBe(instanceId);

    const after = await LocalFleet.open(options(stateFile));
    expect(after.serverOf(MEETING)).toEqual(server);
    expect(await after.launch({ meetingId: MEETING, hostname: '' })).toEqual({
      instanceId,
      instanceType: 'local',
    });
    expect(await after.terminate({ meetingId: MEETING, hostname: '' })).toEqual({
      terminatedInstanceIds: [instanceId],
    });
    expect(alive(server.pid)).toBe(false);
  }, 30_000);

  describe('after a stack was killed mid-launch or mid-teardown', () => {
    const stopAfter: LocalFleet[] = [];
    afterAll(async () => {
      for (const fleet of stopAfter) await fleet.terminateAll();
    });
    /** A fleet whose MEETING server runs, and its state file rewritten as a crash at some point would leave it. */
    async function crashedWith(edit: (saved: LocalServer) => LocalServer[]) {
      const stateFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
      const before = await LocalFleet.open(options(stateFile));
      await before.launch({ meetingId: MEETING, hostname: '' });
      const server = before.serverOf(MEETING)!;
      writeFileSync(stateFile, JSON.stringify(edit(server)));
      return { stateFile, server };
    }
    const launchesIn = (stateFile: string) => readFileSync(launchLogOf(stateFile), 'utf8').trim().split('\n');

    test('a server saved while starting (port not known yet) is found again, and not launched a second time', async () => {
      const { stateFile, server } = await crashedWith((s) => [{ ...s, port: 0, state: 'starting' }]);
      const after = await LocalFleet.open(options(stateFile));
      stopAfter.push(after);
      await after.settled();
      expect(after.serverOf(MEETING)).toEqual(server);
      expect(await after.launch({ meetingId: MEETING, hostname: '' })).toEqual({
        instanceId: server.instanceId,
        instanceType: 'local',
      });
      expect(launchesIn(stateFile)).toHaveLength(1);
    }, 30_000);

    test('a server the killed stack never saved is found through the launch log', async () => {
      const { stateFile, server } = await crashedWith(() => []);
      const after = await LocalFleet.open(options(stateFile));
      stopAfter.push(after);
      expect(after.serverOf(MEETING)).toMatchObject({ pid: server.pid, port: server.port });
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toHaveLength(1);
    }, 30_000);

    test('a server saved while stopping is stopped at the next start', async () => {
      const { stateFile, server } = await crashedWith((s) => [{ ...s, state: 'stopping' }]);
      const after = await LocalFleet.open(options(stateFile));
      expect(after.serverOf(MEETING)).toBeUndefined();
      expect(alive(server.pid)).toBe(false);
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual([]);
    }, 30_000);

    test('a second server of the same meeting is stopped at the next start; the saved one is kept', async () => {
      const { stateFile, server } = await crashedWith((s) => [s]);
      // A second server of the meeting that the killed stack started but never saved: only its launch log
      // line is there (started here by a fleet of another folder, its line copied over).
      const otherFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
      const other = await LocalFleet.open(options(otherFile));
      await other.launch({ meetingId: MEETING, hostname: '' });
      appendFileSync(launchLogOf(stateFile), readFileSync(launchLogOf(otherFile), 'utf8'));
      const second = other.serverOf(MEETING)!;
      const after = await LocalFleet.open(options(stateFile));
      stopAfter.push(after);
      expect(after.serverOf(MEETING)).toEqual(server);
      expect(alive(second.pid)).toBe(false);
      expect(alive(server.pid)).toBe(true);
    }, 30_000);
  });

  test('a saved PID now used by another program is forgotten, never signalled', async () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const stateFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
      const stale: LocalServer = {
        meetingId: MEETING,
        instanceId: 'i-local0000beef',
        pid: stranger.pid!,
        port: 9, // nothing of ours answers there
        launchedAt: Date.now() - 3600_000,
      };
      writeFileSync(stateFile, JSON.stringify([stale]));

      const fleet = await LocalFleet.open(options(stateFile));
      expect(fleet.serverOf(MEETING)).toBeUndefined();
      expect(await fleet.listServers()).toEqual([]);
      await fleet.terminateAll();
      expect(await fleet.terminate({ meetingId: MEETING, hostname: '' })).toEqual({
        terminatedInstanceIds: [],
      });
      expect(alive(stranger.pid!)).toBe(true);
      // Forgotten for good: the next start does not even look at it.
      expect((await LocalFleet.open(options(stateFile))).serverOf(MEETING)).toBeUndefined();
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});

/**
 * The stand-in behaves like Jitsi where attendance is concerned: Jicofo keeps a lone participant off the bridge
 * (min-participants = 2), so JVB's stats say 0, while Prosody's room (mod_muc_size's /room) has them.
 */
describe('local stand-in: attendance from the MUC room, not the bridge', () => {
  let dynamo: LocalDynamo;
  let deps: TaskDeps;
  let fleet: LocalFleet;
  beforeAll(async () => {
    const world = await dynamoWorld();
    dynamo = world.dynamo;
    fleet = await LocalFleet.open({ bootDelayMs: 0, maxLifetimeMs: 60_000 });
    deps = { store: world.store, fleet };
  });
  afterAll(async () => {
    await fleet.terminateAll();
    dynamo.close();
  });

  /** A READY meeting whose stand-in runs, and how to reach it. */
  async function readyMeeting() {
    const m = await scheduleMeeting(deps.store);
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps);
    const base = `http://127.0.0.1:${fleet.serverOf(m.id)!.port}`;
    const act = (what: 'join' | 'leave', who: string) =>
      fetch(`${base}/${m.roomName}/${what}`, { method: 'POST', body: who });
    const bridge = async () =>
      (await (await fetch(`${base}/colibri/stats`)).json()) as { participants: number };
    const room = (name = m.roomName, domain = m.hostname) =>
      fetch(`${base}/room?${new URLSearchParams({ room: name, domain })}`);
    return { m, instanceId, act, bridge, room };
  }

  test('a lone teacher: the bridge says 0, the room says 1, and the meeting is kept (PRESENT)', async () => {
    const { m, instanceId, act, bridge, room } = await readyMeeting();
    await act('join', 'teacher');
    expect((await bridge()).participants).toBe(0);
    const answer = await room();
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual([
      { jid: `${m.roomName}@conference.${m.hostname}/teacher`, email: '', display_name: '' },
    ]);
    expect(await checkAttendance({ meetingId: m.id, instanceId, revision: 0 }, deps)).toEqual({
      decision: 'PRESENT',
      participants: 1,
      reason: '1 joined',
    });
    expect(await deps.store.get(m.id)).toMatchObject({ status: 'IN_PROGRESS', participants: 1 });
  }, 30_000);

  test('the bridge counts from the second person; the room never lists the focus; an empty room is gone', async () => {
    const { m, act, bridge, room } = await readyMeeting();
    expect((await room()).status).toBe(404); // nobody ever joined: no room
    await act('join', 'focus'); // a person cannot pose as Jicofo's focus: listed as "anonymous"
    await act('join', 'student');
    expect((await bridge()).participants).toBe(2);
    const jids = ((await (await room()).json()) as { jid: string }[]).map((o) => o.jid);
    expect(jids).toHaveLength(2);
    expect(jids.some((j) => j.endsWith('/focus'))).toBe(false);
    expect((await room('0'.repeat(32))).status).toBe(404); // only the meeting's own room exists
    expect((await room(m.roomName, 'other.example.test')).status).toBe(404);
    await act('leave', 'student');
    await act('leave', 'anonymous');
    expect((await bridge()).participants).toBe(0);
    expect((await room()).status).toBe(404);
    expect(
      await fleet.countParticipants({ ...m, meetingId: m.id, instanceId: 'i', roomName: m.roomName }),
    ).toEqual({
      known: true,
      participants: 0,
    });
  }, 30_000);
});
