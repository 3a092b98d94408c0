import type { SFNClient } from '@aws-sdk/client-sfn';
import type { z } from 'zod';
import type { MeetingRecord } from '../shared/meeting';
import type { Telemetry } from '../shared/observability';
import type { MeetingStore } from '../shared/store';
import type { TeardownInput } from '../teardown/teardownMeeting';
import type { Admission } from './admission';
import type { Timings } from './booking';

export interface ApiConfig {
  stateMachineArn: string;
  region: string;
  jitsiDomain: string;
  timings: Timings;
  maxBodyBytes: number;
  /**
   * With apiAuth=jwt: the OAuth scope every /meetings request needs. API Gateway's route already requires it;
   * checking again here keeps a route added without `authorizationScopes` from opening every meeting.
   */
  requiredScope?: string;
  /** Where a meeting's room is; default https://<meeting host>/<room>. The local stack points at its proxy. */
  roomUrlFor?: (m: MeetingRecord) => string;
  /**
   * How often an open join page asks for news (default 10 s). Every open page polls the anonymous join route,
   * whose own API Gateway throttle (joinRateLimit) is shared by all links: raise one with the other.
   */
  joinPollSeconds?: number;
}

export interface ApiDeps {
  store: MeetingStore;
  sfn: SFNClient;
  config: ApiConfig;
  now: () => Date;
  /** Runs the teardown task now (cancel, reschedule): on AWS a Lambda invoke, locally the function itself. */
  teardown: (input: z.input<typeof TeardownInput>) => Promise<unknown>;
  /** Logs and metrics (booked, cancelled, rescheduled); silent when not given. */
  telemetry?: Telemetry;
  /**
   * Launch slots and vCPU admission (issue 20): every booking takes a paced launch slot and its server's vCPUs,
   * or is refused with 409 and the nearest start that can be served. Without it bookings launch at start − lead,
   * unpaced and unchecked (tests of other behaviour, and stacks built before admission).
   */
  admission?: Admission;
}
