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
  /**
   * Probes since the instance was last described (0: this one described it). Carried to the next probe, which
   * describes again only after that many probes without an answer (see ProbeTarget.describeEveryProbes).
   */
  probesSinceDescribe?: number;
}

/** What one health probe is told: the server, and what earlier probes of this execution learnt. */
export interface ProbeTarget extends ServerRef {
  instanceId: string;
  /** The address DNS already points at (written by an earlier probe for this address). */
  dnsIp?: string;
  /**
   * The instance's public address, once a probe has seen it: later probes go straight to HTTPS and describe
   * the instance only now and then (issue 20: DescribeInstances is a shared 100-token, 20/s bucket).
   */
  publicIp?: string;
  /** Probes since the instance was last described (from the previous probe). */
  probesSinceDescribe?: number;
  /**
   * With the address known, the instance is described again only after HTTPS failed this many probes in a row
   * (to find a server that powered off, and its bootstrap's reason). Default DEFAULT_DESCRIBE_EVERY_PROBES.
   */
  describeEveryProbes?: number;
  /** The last probe of the budget: a failed HTTPS answer describes the instance, so the reason says what it is. */
  lastProbe?: boolean;
}

/** A meeting's A record, as the sweeper finds it in the zone. */
export interface DnsRecord {
  hostname: string;
  /** The address it points at; a DELETE must name it (and the TTL) exactly. */
  ip: string;
  ttl: number;
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
  launch(
    server: ServerRef & {
      revision: number;
      roomName: string;
      /**
       * False only when this is certainly the meeting's first launch attempt (its record just moved
       * SCHEDULED → LAUNCHING): then no earlier attempt can have started a server, and the lookup by tag is
       * skipped (one DescribeInstances less per meeting). Default true.
       */
      maybeLaunchedBefore?: boolean;
    },
  ): Promise<LaunchedServer>;
  /**
   * Is the instance running and Jitsi answering on its hostname? Throws InstanceLost if it is gone. Points the
   * hostname at the instance unless `dnsIp` says an earlier probe already did for this address.
   */
  probe(server: ProbeTarget): Promise<HealthProbe>;
  /**
   * People now in the meeting's room (its MUC room, focus excluded: see roomOccupancy.ts); never throws: an
   * unknown count says why.
   */
  countParticipants(server: ServerRef & { instanceId: string; roomName: string }): Promise<ParticipantCount>;
  /**
   * Stops the meeting's server and removes its DNS name; already gone is fine. With `instanceIds` it terminates
   * those (one call; none for an empty list: the record says its server is stopped already); without them,
   * every server tagged with the meeting (a DescribeInstances first). With
   * `publicIp` the record is deleted in one call naming its values; without it the record is looked up first.
   * A DNS delete still throttled after its retries does not fail the teardown: `dnsLeft` says the record is left
   * for the sweeper (deleteDnsRecords).
   */
  terminate(
    server: ServerRef & { instanceIds?: string[]; publicIp?: string },
  ): Promise<{ terminatedInstanceIds: string[]; dnsLeft?: boolean }>;
  /** Every live server tagged with this app. */
  listServers(): Promise<RunningServer[]>;
  /** Terminates these servers by id (the sweeper's hammer); already gone is fine. */
  terminateInstances(instanceIds: string[]): Promise<void>;
  /** Every A record under the meeting domain (the sweeper's view of the zone). */
  listDnsRecords(): Promise<DnsRecord[]>;
  /**
   * Deletes these records in as few calls as Route 53 allows (batches); a record already gone or changed since
   * it was listed is skipped, never an error; Route 53 still throttling stops the run (`throttled`: the next
   * sweep tries again). Returns how many were deleted.
   */
  deleteDnsRecords(records: DnsRecord[]): Promise<{ deleted: number; calls: number; throttled?: boolean }>;
}
