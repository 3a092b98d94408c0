import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ApiConfig, ApiDeps } from '../functions/api/app';
import type { Timings } from '../functions/api/booking';
import { runRoomCheck } from '../functions/attendance-check/runRoomCheck';
import { checkHealth } from '../functions/health-check/checkHealth';
import { launchMeeting } from '../functions/launch/launchMeeting';
import { Admission } from '../functions/api/admission';
import type { AwsLimits } from '../functions/shared/awsLimits';
import {
  DEFAULT_FIRST_PROBE_DELAY_SECONDS,
  DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
  DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS,
  DEFAULT_LAUNCH_LEAD_MINUTES,
} from '../functions/shared/bootTime';
import { admissionLimits, DEFAULT_ADMISSION_SETTINGS } from '../functions/shared/launchSlots';
import { LaunchSlotsLedger } from '../functions/shared/launchSlotsLedger';
import { Ec2Fleet, type Ec2FleetConfig } from '../functions/shared/ec2Fleet';
import { OCCUPANCY_DEFAULTS } from '../functions/shared/occupancyLimits';
import { MeetingStore } from '../functions/shared/store';
import type { TaskDeps } from '../functions/shared/taskDeps';
import { teardownMeeting } from '../functions/teardown/teardownMeeting';
import { ensureMeetingsTable, LOCAL_CREDENTIALS } from '../local/dynamo';
import { LocalStepFunctions, type LocalFunction } from '../local/sfn/engine';
import type { ExecutionRecord } from '../local/sfn/records';
import { MemoryStateStore } from '../local/sfn/stateStore';
import {
  loadDefinition,
  localSubstitutions,
  TASK_PLACEHOLDERS,
  type TaskStateName,
} from '../statemachine/definition';
import type { BootTime } from './boot';
import { drawBootMs } from './boot';
import type { VirtualClock } from './clock';
import { routeToFake } from './fakeAws';
import { FakeEc2 } from './fakeEc2';
import { FakeRoute53 } from './fakeRoute53';
import { FakeSsm } from './fakeSsm';
import { inProcessDynamo } from './inProcessDynamo';
import { LambdaGate } from './lambdaGate';
import { CallMeter } from './meter';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TABLE = 'meetings';

/** The deployment's defaults (infra/config.ts DEFAULTS, derived in functions/shared/bootTime.ts), in the API's units. */
export const PRODUCTION_TIMINGS: Timings = {
  leadSeconds: DEFAULT_LAUNCH_LEAD_MINUTES * 60,
  attendanceCheckDelaySeconds: 15 * 60,
  healthIntervalSeconds: DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
  healthMaxAttempts: DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS,
  healthFirstProbeDelaySeconds: DEFAULT_FIRST_PROBE_DELAY_SECONDS,
  occupancyIntervalSeconds: OCCUPANCY_DEFAULTS.intervalSeconds,
  overrunStepSeconds: OCCUPANCY_DEFAULTS.overrunStepSeconds,
  maxOverrunSeconds: OCCUPANCY_DEFAULTS.maxOverrunSeconds,
  minDurationMinutes: 15,
  maxDaysAhead: 365,
  recordRetentionDays: 90,
};

/** The deployment's fleet settings (awsTaskDeps.ts with infra/config.ts's instance types, two public subnets). */
const FLEET: Ec2FleetConfig = {
  appTag: 'meeting-scheduler',
  launchTemplateId: 'lt-0simulated',
  instanceTypes: ['c6i.large', 'c5.large', 'm6i.large'],
  subnetIds: ['subnet-a', 'subnet-b'],
  hostedZoneId: 'ZSIMULATED',
  ssmPolls: 20,
  pollIntervalMs: 1000,
  httpTimeoutMs: 5000,
};

export interface WorldOptions {
  limits: AwsLimits;
  boot: BootTime;
  random: () => number;
  /** People in a meeting's room at an instant (the scenario decides who comes). */
  participants: (meetingId: string, at: number) => number;
  timings?: Timings;
  /** Booking admission (launch slots, vCPU quota) with these limits; off books every lesson unpaced. */
  admission?: boolean;
}

/** What the world saw of one meeting's lifecycle, through its task functions. */
export interface Observed {
  launchCalledAt?: number;
  readyAt?: number;
  /** What the state machine handed teardown: the outcome, its reason and the caught error's name. */
  teardown?: { outcome: string; reason: string; errorName?: string };
}

/** Keeps execution records, not their histories: 10,000 executions' events would be most of the heap. */
class HistorylessStore extends MemoryStateStore {
  override appendHistory(): void {}
  override readHistory() {
    return [];
  }
}

/**
 * Everything the simulation runs, in one process: the local Step Functions engine on the real ASL, the real task
 * handlers (each behind the Lambda gate, in containers with their own Ec2Fleet and SDK clients routed to the fake
 * EC2, Route 53 and SSM), the real MeetingStore on in-process dynalite, and the API's own handler for bookings.
 */
export class World {
  readonly meter = new CallMeter();
  readonly ec2: FakeEc2;
  readonly route53: FakeRoute53;
  readonly ssm: FakeSsm;
  readonly gate: LambdaGate;
  readonly engine: LocalStepFunctions;
  readonly observed = new Map<string, Observed>();
  readonly dynamoRequests: () => number;
  readonly store: MeetingStore;
  readonly timings: Timings;
  readonly admission: Admission | undefined;
  stateMachineArn = '';
  private settled = 0;
  private started = 0;
  private readonly startedArns = new Set<string>();

  constructor(
    private readonly clock: VirtualClock,
    options: WorldOptions,
  ) {
    const { limits, random } = options;
    this.timings = options.timings ?? PRODUCTION_TIMINGS;
    this.ec2 = new FakeEc2(clock, this.meter, {
      limits,
      bootMs: () => drawBootMs(options.boot, random),
      pendingMs: () => 15_000 + random() * 25_000,
      latencyMs: 50,
    });
    this.route53 = new FakeRoute53(clock, this.meter, limits, 50);
    this.ssm = new FakeSsm(clock, this.meter, this.ec2, {
      limits,
      latencyMs: 30,
      commandMs: 1500,
      participants: options.participants,
    });
    this.gate = new LambdaGate(clock, limits.lambdaConcurrency, { invokeMs: 20, coldStartMs: 400 });
    const dynamo = inProcessDynamo(clock);
    this.dynamoRequests = dynamo.requests;
    this.store = new MeetingStore(dynamo.client, TABLE);
    // The account's limits as the deployment would configure them (infra/config.ts admission keys).
    this.admission =
      options.admission === false
        ? undefined
        : new Admission(
            new LaunchSlotsLedger(dynamo.client, TABLE),
            admissionLimits(
              {
                ...DEFAULT_ADMISSION_SETTINGS,
                runInstancesRefillPerSecond: limits.runInstances.refillPerSecond,
                runInstancesResourceRefillPerSecond: limits.runInstancesResources.refillPerSecond,
                route53ChangesPerSecond: limits.route53.refillPerSecond,
                vcpuQuota: limits.vcpuQuota,
              },
              this.timings,
            ),
          );
    this.tableReady = ensureMeetingsTable(dynamo.client, TABLE);
    this.engine = new LocalStepFunctions({
      region: REGION,
      account: ACCOUNT,
      store: new HistorylessStore(),
      functions: this.functions(),
    });
  }

  private readonly tableReady: Promise<void>;

  /** Creates the table and the state machine; run it on the driven clock (ensureMeetingsTable polls). */
  async start(): Promise<void> {
    await this.tableReady;
    await this.engine.start();
    const arns = localSubstitutions(REGION, ACCOUNT);
    this.stateMachineArn = this.engine.createStateMachine({
      name: 'meeting-lifecycle',
      definition: JSON.stringify(loadDefinition(arns)),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/meeting-lifecycle`,
    }).stateMachineArn;
  }

  /** A Lambda container: its own SDK clients (and so its own retry quota), routed to the fakes. */
  private container(): TaskDeps {
    const config = { region: REGION, credentials: LOCAL_CREDENTIALS };
    const ec2 = new EC2Client(config);
    const route53 = new Route53Client(config);
    const ssm = new SSMClient(config);
    routeToFake(ec2, this.ec2.operations(), this.meter);
    routeToFake(route53, this.route53.operations(), this.meter);
    routeToFake(ssm, this.ssm.operations(), this.meter);
    const fleet = new Ec2Fleet(FLEET, {
      ec2,
      route53,
      ssm,
      httpsStatus: this.ec2.httpsStatus,
      sleep: (ms) => this.clock.sleep(ms),
    });
    return { store: this.store, fleet };
  }

  private seen(meetingId: unknown): Observed {
    const id = String(meetingId);
    let o = this.observed.get(id);
    if (!o) this.observed.set(id, (o = {}));
    return o;
  }

  private functions(): Record<string, LocalFunction> {
    const now = () => this.clock.now();
    const logic: Record<TaskStateName, (deps: TaskDeps, input: unknown) => Promise<unknown>> = {
      Launch: (deps, input) => {
        const o = this.seen((input as { meetingId?: unknown }).meetingId);
        o.launchCalledAt ??= now();
        return launchMeeting(input, deps);
      },
      HealthCheck: async (deps, input) => {
        const out = await checkHealth(input, deps);
        if (out.healthy) this.seen((input as { meetingId?: unknown }).meetingId).readyAt ??= now();
        return out;
      },
      AttendanceCheck: (deps, input) => runRoomCheck(input, deps),
      Teardown: (deps, input) => {
        const i = input as {
          meetingId?: unknown;
          outcome?: string;
          reason?: string;
          error?: { Error?: string };
        };
        this.seen(i.meetingId).teardown ??= {
          outcome: String(i.outcome),
          reason: String(i.reason),
          errorName: i.error?.Error,
        };
        return teardownMeeting(input, deps);
      },
    };
    const arns = localSubstitutions(REGION, ACCOUNT);
    return Object.fromEntries(
      (Object.entries(TASK_PLACEHOLDERS) as [TaskStateName, string][]).map(([state, placeholder]) => [
        arns[placeholder],
        this.gate.function(() => this.container(), logic[state]),
      ]),
    );
  }

  /** The API's dependencies; its SFNClient's send is answered by the engine, in-process. */
  apiDeps(): ApiDeps {
    const engine = this.engine;
    const onStarted = (e: ExecutionRecord) => {
      // A replayed StartExecution answers the execution it already has: count each one once.
      if (this.startedArns.has(e.executionArn)) return;
      this.startedArns.add(e.executionArn);
      this.started++;
      void engine.whenSettled(e.executionArn).then(() => this.settled++);
    };
    const sfn = {
      send: async (command: unknown) => {
        if (command instanceof StartExecutionCommand) {
          const e = engine.startExecution(
            command.input as { stateMachineArn: string; name?: string; input?: string },
          );
          onStarted(e);
          return { executionArn: e.executionArn, startDate: new Date(e.startDate) };
        }
        if (command instanceof StopExecutionCommand) {
          const e = engine.stopExecution(
            command.input.executionArn!,
            command.input.error,
            command.input.cause,
          );
          return { stopDate: new Date(e.stopDate ?? Date.now()) };
        }
        if (command instanceof DescribeExecutionCommand) {
          const e = engine.describeExecution(command.input.executionArn!);
          return { executionArn: e.executionArn, status: e.status };
        }
        throw new Error(
          `the simulation's Step Functions does not answer ${(command as object).constructor.name}`,
        );
      },
    } as unknown as SFNClient;
    const config: ApiConfig = {
      stateMachineArn: this.stateMachineArn,
      region: REGION,
      jitsiDomain: 'meet.example.com',
      timings: this.timings,
      maxBodyBytes: 16 * 1024,
    };
    const containerDeps = { store: this.store, fleet: this.container().fleet };
    return {
      store: this.store,
      sfn,
      config,
      now: () => new Date(),
      teardown: (input) => teardownMeeting(input, containerDeps),
      admission: this.admission,
    };
  }

  /** Every execution the API started has ended. */
  allEnded(): boolean {
    return this.settled === this.started;
  }

  get executionsStarted(): number {
    return this.started;
  }

  executions(): ExecutionRecord[] {
    return this.engine.listExecutions(this.stateMachineArn);
  }
}
