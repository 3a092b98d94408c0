import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFleet, type LocalServer } from '../../local/fleet';

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
