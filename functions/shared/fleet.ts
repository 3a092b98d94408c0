/**
 * What the lifecycle tasks need from "the servers". On AWS it is EC2 + Route 53 + SSM (ec2Fleet.ts); in the
 * local stack it is a set of stand-in Jitsi processes (local/fleet.ts). The task logic only sees this.
 */
export interface ServerRef {
  meetingId: string;
  hostname: string;
}

export interface LaunchedServer {
  instanceId: string;
  instanceType: string;
}

export interface HealthProbe {
  healthy: boolean;
  /** Why not healthy yet (instance pending, HTTPS refused…), for the record and the logs. */
  detail: string;
  publicIp?: string;
  /** The address the meeting's DNS record points at now, as far as this probe knows (written by it or before). */
  dnsIp?: string;
}

export type ParticipantCount = { known: true; participants: number } | { known: false; reason: string };

/** A server as the sweeper sees it: whatever runs with this app's tag. */
export interface RunningServer {
  instanceId: string;
  /** From the meetingId tag; undefined when the tag is missing. */
  meetingId?: string;
  launchedAt: Date;
}

export interface Fleet {
  /**
   * Starts the meeting's server, or finds the one already started: calling it twice for one revision starts one
   * server. A new revision (a reschedule that tore the old server down) starts a new one.
   */
  launch(server: ServerRef & { revision: number; roomName: string }): Promise<LaunchedServer>;
  /**
   * Is the instance running and Jitsi answering on its hostname? Throws InstanceLost if it is gone. Points the
   * hostname at the instance unless `dnsIp` says an earlier probe already did for this address.
   */
  probe(server: ServerRef & { instanceId: string; dnsIp?: string }): Promise<HealthProbe>;
  /**
   * People now in the meeting's room (its MUC room, focus excluded: see roomOccupancy.ts); never throws: an
   * unknown count says why.
   */
  countParticipants(server: ServerRef & { instanceId: string; roomName: string }): Promise<ParticipantCount>;
  /** Terminates every server tagged with the meeting and removes its DNS name; already gone is fine. */
  terminate(server: ServerRef): Promise<{ terminatedInstanceIds: string[] }>;
  /** Every live server tagged with this app. */
  listServers(): Promise<RunningServer[]>;
  /** Terminates these servers by id (the sweeper's hammer); already gone is fine. */
  terminateInstances(instanceIds: string[]): Promise<void>;
}
