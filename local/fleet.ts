import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TaskError } from '../functions/shared/errors';
import type {
  DnsRecord,
  Fleet,
  HealthProbe,
  LaunchedServer,
  ParticipantCount,
  RunningServer,
  ServerRef,
} from '../functions/shared/fleet';
import { parseRoomResponse } from '../functions/shared/roomOccupancy';

export interface LocalServer {
  meetingId: string;
  instanceId: string;
  pid: number;
  /** 0 while the process starts and has not said its port yet. */
  port: number;
  launchedAt: number;
  /**
   * Saved only: `starting` is written the moment the process exists, `stopping` before it is signalled, so a
   * stack killed in between knows, on its next start, of a server it had not finished starting or stopping.
   */
  state?: 'starting' | 'stopping';
}

/** The line each stand-in appends to the launch log once it listens (local/jitsiStandIn.ts). */
interface LaunchLogLine {
  meetingId: string;
  pid: number;
  port: number;
  at: string;
}

export interface LocalFleetOptions {
  /** Where the list of running servers is kept, so a restarted local stack finds them again; omit = memory. */
  stateFile?: string;
  bootDelayMs: number;
  maxLifetimeMs: number;
  httpTimeoutMs?: number;
}

const STAND_IN = join(__dirname, 'jitsiStandIn.ts');
const JICOFO_CONFIG = join(__dirname, '..', 'infra', 'bootstrap', 'jicofo.conf');

/**
 * EC2 + Route 53 + SSM for the local stack: every launch starts a stand-in Jitsi process (local/jitsiStandIn.ts).
 * Processes are detached, like instances that outlive the control plane: a restarted local stack finds them
 * in the state file, and teardown (or the sweeper) stops them.
 */
export class LocalFleet implements Fleet {
  private servers = new Map<string, LocalServer>();
  private launching = new Map<string, Promise<LaunchedServer>>();
  /** Processes started or being stopped: saved with their state, never handed out. By PID. */
  private transient = new Map<number, LocalServer>();
  /** Servers an earlier run left `starting`, until they say their port: a launch of the meeting waits for it. */
  private adopting = new Map<string, Promise<unknown>>();

  private constructor(private readonly options: LocalFleetOptions) {}

  /**
   * The fleet, with the servers an earlier run left running. A saved server counts only if its process still
   * says who it is: after a reboot its PID may belong to any other program, which must never be signalled.
   *
   * A run killed mid-burst leaves servers it had not finished with, found here as EC2's DescribeInstances
   * finds instances by tag: one it was `stopping` (stopped now), one the run never recorded at all (only the
   * launch log knows it), one still `starting` (found in the background once it writes its port to the launch
   * log; a launch or teardown of its meeting waits for that). One server per meeting is kept, the one saved
   * first; any other of the same meeting is stopped. So a launch run again after the restart finds the server
   * instead of starting a second one, and no server is left that nothing would stop.
   */
  static async open(options: LocalFleetOptions): Promise<LocalFleet> {
    const fleet = new LocalFleet(options);
    if (!options.stateFile) return fleet;
    const saved = readJson<LocalServer[]>(options.stateFile) ?? [];
    const logged = readLaunchLog(launchLogOf(options.stateFile))
      .filter((l) => !saved.some((s) => s.pid === l.pid) && isAlive(l.pid))
      .map((l): LocalServer => ({ ...l, instanceId: instanceIdOf(l.pid), launchedAt: Date.parse(l.at) }));
    const candidates = [...saved, ...logged];
    const found = await Promise.all(candidates.filter((s) => s.port).map((s) => fleet.identify(s)));
    for (const s of found) if (s) await fleet.adopt(s);
    for (const s of candidates.filter((c) => !c.port && isAlive(c.pid))) {
      fleet.transient.set(s.pid, s); // still saved as starting, should this run be killed too
      const adopted = fleet
        .identify(s)
        .then((found) => found && fleet.adopt(found))
        .catch((err: unknown) => console.error(`server ${s.instanceId} left starting: ${String(err)}`))
        .finally(() => {
          fleet.transient.delete(s.pid);
          fleet.save();
        });
      const others = fleet.adopting.get(s.meetingId);
      fleet.adopting.set(s.meetingId, others ? Promise.all([others, adopted]) : adopted);
    }
    fleet.save();
    return fleet;
  }

  /** Resolves once every server an earlier run left starting is found (or known gone). */
  async settled(): Promise<void> {
    await Promise.all(this.adopting.values());
  }

  /** Servers running now (the sweeper's view of "instances tagged by this app"). */
  list(): LocalServer[] {
    return [...this.servers.values()].filter((s) => isAlive(s.pid));
  }

  serverOf(meetingId: string): LocalServer | undefined {
    const s = this.servers.get(meetingId);
    return s && isAlive(s.pid) ? s : undefined;
  }

  async launch(server: ServerRef): Promise<LaunchedServer> {
    await this.adopting.get(server.meetingId);
    const running = this.serverOf(server.meetingId);
    if (running) return { instanceId: running.instanceId, instanceType: 'local' };
    // Two launches at once (a retried task) share one process, as one ClientToken shares one instance.
    const pending = this.launching.get(server.meetingId) ?? this.spawn(server);
    this.launching.set(server.meetingId, pending);
    return pending.finally(() => this.launching.delete(server.meetingId));
  }

  async probe(server: ServerRef & { instanceId: string }): Promise<HealthProbe> {
    const s = this.serverOf(server.meetingId);
    if (!s || s.instanceId !== server.instanceId)
      throw new TaskError('InstanceLost', `instance ${server.instanceId} is gone`);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/health`, {
        signal: AbortSignal.timeout(this.options.httpTimeoutMs ?? 2000),
      });
      return res.ok
        ? { healthy: true, detail: 'jitsi answered', publicIp: '127.0.0.1' }
        : { healthy: false, detail: `health endpoint answered ${res.status}`, publicIp: '127.0.0.1' };
    } catch (err) {
      return { healthy: false, detail: `health endpoint unreachable: ${(err as Error).message}` };
    }
  }

  /** The room's people as mod_muc_size's `/room` tells them, read exactly as on EC2 (roomOccupancy.ts). */
  async countParticipants(
    server: ServerRef & { instanceId: string; roomName: string },
  ): Promise<ParticipantCount> {
    const s = this.serverOf(server.meetingId);
    if (!s) return { known: false, reason: 'instance is gone' };
    const query = new URLSearchParams({ room: server.roomName, domain: server.hostname });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/room?${query}`, {
        signal: AbortSignal.timeout(this.options.httpTimeoutMs ?? 2000),
      });
      return parseRoomResponse(res.status, await res.text());
    } catch (err) {
      return { known: false, reason: `room count unavailable: ${(err as Error).message}` };
    }
  }

  async terminate(server: ServerRef): Promise<{ terminatedInstanceIds: string[] }> {
    await this.adopting.get(server.meetingId);
    await this.launching.get(server.meetingId)?.catch(() => undefined);
    const s = this.servers.get(server.meetingId);
    if (!s) return { terminatedInstanceIds: [] };
    // Off the list at once (nothing hands it out any more), but saved as `stopping` until its process is gone:
    // forgotten before the signal, a crash in between left a server running that no teardown could find.
    this.servers.delete(server.meetingId);
    this.transient.set(s.pid, { ...s, state: 'stopping' });
    this.save();
    try {
      if (!(await this.isOurs(s))) return { terminatedInstanceIds: [] };
      await stopProcess(s.pid);
      return { terminatedInstanceIds: [s.instanceId] };
    } finally {
      this.transient.delete(s.pid);
      this.save();
    }
  }

  async listServers(): Promise<RunningServer[]> {
    return this.list().map((s) => ({
      instanceId: s.instanceId,
      meetingId: s.meetingId,
      launchedAt: new Date(s.launchedAt),
    }));
  }

  async terminateInstances(instanceIds: string[]): Promise<void> {
    for (const s of this.list().filter((x) => instanceIds.includes(x.instanceId))) {
      await this.terminate({ meetingId: s.meetingId, hostname: '' });
    }
  }

  /** The stand-ins have no DNS records (they are reached by port): nothing for the sweeper to delete. */
  async listDnsRecords(): Promise<DnsRecord[]> {
    return [];
  }

  async deleteDnsRecords(): Promise<{ deleted: number; calls: number }> {
    return { deleted: 0, calls: 0 };
  }

  /** Stops every server (tests and `npm start --stop-servers`); a normal restart leaves them running. */
  async terminateAll(): Promise<void> {
    for (const s of this.list()) await this.terminate({ meetingId: s.meetingId, hostname: '' });
  }

  private async spawn({ meetingId, hostname }: ServerRef): Promise<LaunchedServer> {
    const child = spawn(process.execPath, ['--import', 'tsx', STAND_IN], {
      detached: true,
      // stderr not inherited: a detached server must not hold its parent's pipes open.
      stdio: ['ignore', 'pipe', 'ignore'],
      env: {
        ...process.env,
        MEETING_ID: meetingId,
        JITSI_HOSTNAME: hostname,
        // The jicofo.conf lines every real server gets, so the stand-in's Jicofo is configured the same way.
        JICOFO_CONFIG: JICOFO_CONFIG,
        BOOT_DELAY_MS: String(this.options.bootDelayMs),
        ...(this.options.stateFile && { LAUNCH_LOG: launchLogOf(this.options.stateFile) }),
        MAX_LIFETIME_MS: String(this.options.maxLifetimeMs),
      },
    });
    // Saved before anything is awaited: a stack killed while this server boots finds it on its next start
    // (through the launch log) instead of launching a second one for the meeting.
    const starting: LocalServer | undefined = child.pid
      ? {
          meetingId,
          instanceId: instanceIdOf(child.pid),
          pid: child.pid,
          port: 0,
          launchedAt: Date.now(),
          state: 'starting',
        }
      : undefined;
    if (starting) this.transient.set(starting.pid, starting);
    this.save();
    const started = new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // no half-started server left behind
        reject(new TaskError('LaunchFailed', 'stand-in server did not start in 30 s'));
      }, 30_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new TaskError('LaunchFailed', `stand-in server exited with ${code}`));
      });
      // No process at all (spawn failed): 'error' comes instead of 'exit'.
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new TaskError('LaunchFailed', `stand-in server did not start: ${err.message}`));
      });
    });
    const port = await started.catch((err: unknown) => {
      if (starting) this.transient.delete(starting.pid);
      this.save();
      throw err;
    });
    child.stdout!.destroy();
    child.removeAllListeners('exit');
    child.unref();
    const s: LocalServer = {
      meetingId,
      instanceId: instanceIdOf(child.pid!),
      pid: child.pid!,
      port,
      launchedAt: starting!.launchedAt,
    };
    this.servers.set(meetingId, s);
    this.transient.delete(s.pid);
    this.save();
    return { instanceId: s.instanceId, instanceType: 'local' };
  }

  /**
   * The server as it answers now, or undefined when it is not ours (any more). One saved while `starting` is
   * given a minute to appear in the launch log with its port (fifty stand-ins booting at once on two cores
   * take about half of that); a process that says nothing by then is taken for another program's.
   */
  private async identify(s: LocalServer): Promise<LocalServer | undefined> {
    let port = s.port;
    const deadline = Date.now() + 60_000;
    while (!port && isAlive(s.pid) && Date.now() < deadline) {
      port = readLaunchLog(launchLogOf(this.options.stateFile!)).find((l) => l.pid === s.pid)?.port ?? 0;
      if (!port) await new Promise((r) => setTimeout(r, 100));
    }
    const server = { ...s, port };
    return port && (await this.isOurs(server)) ? server : undefined;
  }

  /** Takes a found server back: the meeting's server, or stopped when it was being stopped or is a second one. */
  private async adopt(s: LocalServer): Promise<void> {
    if (s.state === 'stopping' || this.servers.has(s.meetingId)) await stopProcess(s.pid);
    else this.servers.set(s.meetingId, { ...s, state: undefined });
    this.save();
  }

  /**
   * Does the process at this server's PID answer, on its port, as this very server? Only an answer, or nobody
   * listening there, decides: a server too busy to answer in time (fifty booting at once on a loaded machine)
   * is asked again for up to 30 s. Taken for a stranger on a mere timeout, it was neither found again after a
   * restart (a second server was launched for its meeting) nor stopped at teardown.
   */
  private async isOurs(s: LocalServer): Promise<boolean> {
    const deadline = Date.now() + 30_000;
    while (isAlive(s.pid)) {
      try {
        const res = await fetch(`http://127.0.0.1:${s.port}/identity`, { signal: AbortSignal.timeout(2000) });
        const who = (await res.json()) as { meetingId?: unknown; pid?: unknown };
        return who.meetingId === s.meetingId && who.pid === s.pid;
      } catch (err) {
        if ((err as Error).name !== 'TimeoutError' || Date.now() > deadline) return false;
      }
    }
    return false;
  }

  private save(): void {
    if (!this.options.stateFile) return;
    mkdirSync(dirname(this.options.stateFile), { recursive: true });
    const tmp = `${this.options.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.servers.values(), ...this.transient.values()]));
    renameSync(tmp, this.options.stateFile);
  }
}

/** The file each stand-in appends its {meetingId, pid, port, at} to once it listens, next to the fleet list. */
export function launchLogOf(stateFile: string): string {
  return join(dirname(stateFile), 'launches.log');
}

const instanceIdOf = (pid: number) => `i-local${pid.toString(16).padStart(8, '0')}`;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Every line of the launch log; a line a crash cut short (it never is, but a file can be edited) is skipped. */
function readLaunchLog(file: string): LaunchLogLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as LaunchLogLine] : [];
    } catch {
      return [];
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
