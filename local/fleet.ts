import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TaskError } from '../functions/shared/errors';
import type {
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
  port: number;
  launchedAt: number;
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

  private constructor(private readonly options: LocalFleetOptions) {}

  /**
   * The fleet, with the servers an earlier run left running. A saved server counts only if its process still
   * says who it is: after a reboot its PID may belong to any other program, which must never be signalled.
   */
  static async open(options: LocalFleetOptions): Promise<LocalFleet> {
    const fleet = new LocalFleet(options);
    if (!options.stateFile) return fleet;
    let saved: LocalServer[] = [];
    try {
      saved = JSON.parse(readFileSync(options.stateFile, 'utf8')) as LocalServer[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const s of saved) if (await fleet.isOurs(s)) fleet.servers.set(s.meetingId, s);
    fleet.save();
    return fleet;
  }

  /** Servers running now (the sweeper's view of "instances tagged by this app"). */
  list(): LocalServer[] {
    return [...this.servers.values()].filter((s) => isAlive(s.pid));
  }

  serverOf(meetingId: string): LocalServer | undefined {
    const s = this.servers.get(meetingId);
    return s && isAlive(s.pid) ? s : undefined;
  }

  launch(server: ServerRef): Promise<LaunchedServer> {
    const running = this.serverOf(server.meetingId);
    if (running) return Promise.resolve({ instanceId: running.instanceId, instanceType: 'local' });
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
    await this.launching.get(server.meetingId)?.catch(() => undefined);
    const s = this.servers.get(server.meetingId);
    if (!s) return { terminatedInstanceIds: [] };
    this.servers.delete(server.meetingId);
    this.save();
    if (!(await this.isOurs(s))) return { terminatedInstanceIds: [] };
    await stopProcess(s.pid);
    return { terminatedInstanceIds: [s.instanceId] };
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
        MAX_LIFETIME_MS: String(this.options.maxLifetimeMs),
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new TaskError('LaunchFailed', 'stand-in server did not start in 30 s')),
        30_000,
      );
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
    });
    child.stdout!.destroy();
    child.removeAllListeners('exit');
    child.unref();
    const s: LocalServer = {
      meetingId,
      instanceId: `i-local${child.pid!.toString(16).padStart(8, '0')}`,
      pid: child.pid!,
      port,
      launchedAt: Date.now(),
    };
    this.servers.set(meetingId, s);
    this.save();
    return { instanceId: s.instanceId, instanceType: 'local' };
  }

  /** Does the process at this server's PID answer, on its port, as this very server? */
  private async isOurs(s: LocalServer): Promise<boolean> {
    if (!isAlive(s.pid)) return false;
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/identity`, { signal: AbortSignal.timeout(2000) });
      const who = (await res.json()) as { meetingId?: unknown; pid?: unknown };
      return who.meetingId === s.meetingId && who.pid === s.pid;
    } catch {
      return false;
    }
  }

  private save(): void {
    if (!this.options.stateFile) return;
    mkdirSync(dirname(this.options.stateFile), { recursive: true });
    const tmp = `${this.options.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.servers.values()]));
    renameSync(tmp, this.options.stateFile);
  }
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
