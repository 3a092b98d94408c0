import '../local/polyfills';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { join } from 'node:path';
import { handleApiRequest, type ApiConfig } from '../functions/api/app';
import { Admission } from '../functions/api/admission';
import type { Timings } from '../functions/api/booking';
import { admissionLimits, type AdmissionSettings } from '../functions/shared/launchSlots';
import { LaunchSlotsLedger } from '../functions/shared/launchSlotsLedger';
import { runRoomCheck } from '../functions/attendance-check/runRoomCheck';
import { checkHealth } from '../functions/health-check/checkHealth';
import { launchMeeting } from '../functions/launch/launchMeeting';
import { telemetry } from '../functions/shared/observability';
import { MeetingStore } from '../functions/shared/store';
import type { TaskDeps } from '../functions/shared/taskDeps';
import { teardownMeeting } from '../functions/teardown/teardownMeeting';
import {
  loadDefinition,
  localSubstitutions,
  TASK_PLACEHOLDERS,
  type TaskStateName,
} from '../statemachine/definition';
import { ensureMeetingsTable, LOCAL_CREDENTIALS, startDynalite } from './dynamo';
import { crossCheck, scanMeetings } from './dataCheck/crossCheck';
import { damagedSuffix, DamagedDataError, type Finding } from './dataCheck/findings';
import { checkFleetFile } from './dataCheck/fleetFile';
import { checkLevelDb } from './dataCheck/levelDb';
import { checkRecordFiles } from './dataCheck/recordFiles';
import { checkStateMachineFiles } from './dataCheck/stateMachineFiles';
import { DISK_FULL_RETRY_AFTER_SECONDS, DiskSpace } from './diskSpace';
import type { StateMachineRecord } from './sfn/records';
import { LocalFleet } from './fleet';
import { LocalStepFunctions, type LocalFunction } from './sfn/engine';
import { loadMockConfig } from './sfn/mockConfig';
import { listen, sfnApi } from './sfn/server';
import { FileStateStore, MemoryStateStore } from './sfn/stateStore';
import { lambdaApi } from './lambdaApi';
import { sweep, type Swept } from '../functions/sweeper/sweep';
import { sfnExecutions } from '../functions/sweeper/sfnExecutions';
import { startLifecycle } from '../functions/api/lifecycle';
import { CreateStateMachineCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const STATE_MACHINE_NAME = 'meeting-lifecycle';
export const TABLE_NAME = 'meetings';

export interface LocalStackOptions {
  /** Folder for DynamoDB data, executions and the fleet list; null keeps everything in memory. */
  dataDir: string | null;
  host?: string;
  ports?: { api?: number; sfn?: number; dynamodb?: number; lambda?: number };
  timings: Timings;
  bootDelayMs: number;
  maxLifetimeMs: number;
  /** Step Functions Local mock configuration file (SFN_MOCK_CONFIG). */
  mockConfigPath?: string;
  /** Fixed pause before retries (tests); default the ASL's own backoff. */
  retryDelayMs?: number;
  /** How often the sweeper runs (default every 10 minutes, as on AWS). */
  sweepIntervalMs?: number;
  /** How often an open join page polls (default 10 s); tests follow a one-minute meeting more closely. */
  joinPollSeconds?: number;
  /** Use this Step Functions endpoint (say, a real Step Functions Local) instead of the built-in one. */
  externalSfnEndpoint?: string;
  /** The functions' LOG_LEVEL (default: the LOG_LEVEL variable, else INFO); their lines print readably. */
  logLevel?: string;
  /** SFN_WAIT_SCALE: every Wait of the built-in Step Functions lasts this fraction of its length (default 1). */
  waitScale?: number;
  /** LAMBDA_ENDPOINT: where Task states calling functions that are not in-process go (as Step Functions Local). */
  lambdaEndpoint?: string;
  /**
   * Launch slots and vCPU admission at booking, as the deployed API does (`npm start` turns it on with the
   * published defaults); without it bookings launch at start − lead, unpaced and unchecked.
   */
  admission?: AdmissionSettings;
  /** Writes stop (503) while the data folder's filesystem has less free than this (default 16 MiB). */
  diskReserveBytes?: number;
}

export interface LocalStack {
  apiUrl: string;
  sfnUrl: string;
  dynamodbUrl: string;
  lambdaUrl: string;
  stateMachineArn: string;
  store: MeetingStore;
  fleet: LocalFleet;
  engine?: LocalStepFunctions;
  sfn: SFNClient;
  deps: TaskDeps;
  /** What the start-up check found damaged in the data folder and what it did, file by file. */
  dataFindings: Finding[];
  /** Runs the sweeper once now (it also runs every sweepIntervalMs). */
  sweep(): Promise<Swept[]>;
  /** Stops the endpoints; executions, data and meeting servers stay for the next start. */
  close(): Promise<void>;
}

/**
 * The whole system on one machine: dynalite for DynamoDB, a Step Functions API running the real ASL file on
 * aws-local-stepfunctions with the real task code in-process, stand-in Jitsi processes for EC2, and the API's
 * own handler over plain HTTP.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const data = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  const closers: Array<() => Promise<void>> = [];
  const arns = localSubstitutions(LOCAL_REGION, LOCAL_ACCOUNT);
  const ownMachine: StateMachineRecord = {
    stateMachineArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`,
    name: STATE_MACHINE_NAME,
    definition: JSON.stringify(loadDefinition(arns), null, 2),
    roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${STATE_MACHINE_NAME}`,
    type: 'STANDARD',
    creationDate: Date.now(),
  };
  // The data is checked before anything opens it (issue 22): damage is repaired, restored from another store,
  // or the start is refused with the command that moves the damaged file aside; never silently started over.
  const findings: Finding[] = [];
  const suffix = damagedSuffix(new Date());
  const refuseIfDamaged = () => {
    if (findings.some((f) => f.command)) throw new DamagedDataError(findings);
  };
  if (options.dataDir) {
    findings.push(...checkFleetFile(data('fleet.json')!, suffix));
    findings.push(
      ...checkStateMachineFiles(join(data('stepfunctions')!, 'state-machines'), ownMachine, suffix),
    );
    findings.push(...checkRecordFiles(data('stepfunctions')!, suffix));
    findings.push(...(await checkLevelDb(data('dynamodb')!, suffix)));
    refuseIfDamaged();
  }
  const diskSpace = options.dataDir
    ? new DiskSpace(options.dataDir, options.diskReserveBytes ?? 16 * 1024 * 1024)
    : undefined;
  try {
    const dynamo = await startDynalite({
      port: options.ports?.dynamodb ?? 0,
      path: data('dynamodb'),
      diskSpace,
    });
    closers.push(() => dynamo.close());
    await ensureMeetingsTable(dynamo.client, TABLE_NAME);
    const store = new MeetingStore(dynamo.client, TABLE_NAME);
    const fleet = await LocalFleet.open({
      stateFile: data('fleet.json'),
      bootDelayMs: options.bootDelayMs,
      maxLifetimeMs: options.maxLifetimeMs,
    });
    const deps: TaskDeps = { store, fleet };
    // Every function runs in this one process: the same Powertools logs as on AWS, one plain line each, the
    // component saying whose line it is.
    const logEnv = { LOG_LEVEL: options.logLevel ?? process.env.LOG_LEVEL, LOG_FORMAT: 'readable' };
    const withTelemetry = (component: string): TaskDeps => ({
      ...deps,
      telemetry: telemetry(component, { env: logEnv }),
    });

    const launchDeps = withTelemetry('launch');
    const healthDeps = withTelemetry('health-check');
    const roomCheckDeps = withTelemetry('attendance-check');
    const teardownDeps = withTelemetry('teardown');
    const logic: Record<TaskStateName, LocalFunction> = {
      Launch: (i) => launchMeeting(i, launchDeps),
      HealthCheck: (i) => checkHealth(i, healthDeps),
      // Both room-check states (AttendanceCheck, OccupancyCheck) call this one function, as on AWS.
      AttendanceCheck: (i) => runRoomCheck(i, roomCheckDeps),
      Teardown: (i) => teardownMeeting(i, teardownDeps),
    };
    const functions = Object.fromEntries(
      (Object.entries(TASK_PLACEHOLDERS) as [TaskStateName, string][]).map(([state, placeholder]) => [
        arns[placeholder],
        logic[state],
      ]),
    );

    // The Lambda Invoke API, so a real Step Functions Local (LAMBDA_ENDPOINT) can call the same task code.
    const lambda = await listen(lambdaApi(functions), options.ports?.lambda ?? 0, host);
    closers.push(() => closeServer(lambda.server));

    let engine: LocalStepFunctions | undefined;
    let sfnUrl = options.externalSfnEndpoint;
    if (!sfnUrl) {
      engine = new LocalStepFunctions({
        region: LOCAL_REGION,
        account: LOCAL_ACCOUNT,
        store: options.dataDir
          ? new FileStateStore(data('stepfunctions')!, (file, found, action) =>
              findings.push({ file, found, action }),
            )
          : new MemoryStateStore(),
        functions,
        mockConfig: options.mockConfigPath ? loadMockConfig(options.mockConfigPath) : undefined,
        retryDelayMs: options.retryDelayMs,
        waitScale: options.waitScale,
        lambdaEndpoint: options.lambdaEndpoint,
        // dynamodb:getItem/putItem/updateItem/deleteItem Task states run against the stack's dynalite.
        dynamodbEndpoint: dynamo.endpoint,
        // While the data disk is full, executions wait rather than fail on refused writes (README).
        holdWhile: diskSpace ? () => diskSpace.full() : undefined,
        // Each store witnesses the other (local/dataCheck/crossCheck.ts), before any execution runs.
        beforeResume: async (saved) => {
          if (!options.dataDir) return;
          findings.push(
            ...crossCheck({
              meetings: await scanMeetings(dynamo.client, TABLE_NAME),
              executions: saved.executions,
              stateMachineArn: ownMachine.stateMachineArn,
              dynamoDir: data('dynamodb')!,
              journal: join(data('stepfunctions')!, 'executions.jsonl'),
              suffix,
            }),
          );
          refuseIfDamaged();
        },
      });
      await engine.start();
      closers.push(() => engine!.close());
      const sfnServer = await listen(sfnApi(engine), options.ports?.sfn ?? 0, host);
      closers.push(() => closeServer(sfnServer.server));
      sfnUrl = sfnServer.url;
    }
    const sfn = new SFNClient({ endpoint: sfnUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    closers.push(async () => sfn.destroy());
    const stateMachineArn = await ensureStateMachine(sfn, ownMachine);

    let apiUrl = '';
    const config: ApiConfig = {
      stateMachineArn,
      region: LOCAL_REGION,
      jitsiDomain: 'meet.localhost',
      timings: options.timings,
      maxBodyBytes: 16 * 1024,
      joinPollSeconds: options.joinPollSeconds,
      roomUrlFor: (m) => `${apiUrl}/rooms/${m.id}/${m.roomName}`,
    };
    // On AWS the API invokes the teardown function: the same component on its lines here.
    const teardown = (input: unknown) => teardownMeeting(input, teardownDeps);
    const api = await listen(
      localApi(
        {
          store,
          sfn,
          config,
          now: () => new Date(),
          teardown,
          telemetry: telemetry('api', { env: logEnv }),
          admission: options.admission
            ? new Admission(
                new LaunchSlotsLedger(dynamo.client, TABLE_NAME),
                admissionLimits(options.admission, options.timings),
              )
            : undefined,
        },
        fleet,
        () => apiUrl,
        diskSpace,
      ),
      options.ports?.api ?? 0,
      host,
    );
    closers.push(() => closeServer(api.server));
    apiUrl = api.url;

    const sweeperDeps = withTelemetry('sweeper');
    const runSweep = () =>
      sweep(sweeperDeps, {
        now: new Date(),
        maxLifetimeMs: options.maxLifetimeMs,
        graceMs: 60_000,
        maxOverrunMs: options.timings.maxOverrunSeconds * 1000,
        executionStatus: async (executionArn) =>
          (await sfn.send(new DescribeExecutionCommand({ executionArn })).catch(() => undefined))?.status,
        // The same reconcile as on AWS; here the sweeper knows the timings, so a meeting whose execution is
        // missing and that has not launched yet is started again (same name, input from the record).
        executions: sfnExecutions(sfn, stateMachineArn, (m) => startLifecycle(sfn, config, m)),
      });
    const sweeper = setInterval(
      () => void runSweep().catch((err) => console.error('sweep failed', err)),
      options.sweepIntervalMs ?? 600_000,
    );
    sweeper.unref();
    closers.push(async () => clearInterval(sweeper));

    return {
      sweep: runSweep,
      apiUrl,
      sfnUrl,
      dynamodbUrl: dynamo.endpoint,
      lambdaUrl: lambda.url,
      stateMachineArn,
      store,
      fleet,
      engine,
      sfn,
      deps,
      dataFindings: findings,
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}

async function closeAll(closers: Array<() => Promise<void>>) {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  closers.length = 0;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function ensureStateMachine(sfn: SFNClient, machine: StateMachineRecord): Promise<string> {
  // Same name and definition answers the existing machine, so a restart reuses it.
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name: machine.name,
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: machine.type,
    }),
  );
  return out.stateMachineArn!;
}

/** The API handler over node:http, plus /rooms/{id}/{room}: the link that leads to the meeting's server. */
function localApi(
  deps: Parameters<typeof handleApiRequest>[1],
  fleet: LocalFleet,
  origin: () => string,
  diskSpace?: DiskSpace,
) {
  // While the data disk is full, a write is answered 503 before it starts (a booking half written is worse
  // than none), and one that ran into it answers 503 instead of 500: both say when to retry. Reads go on.
  const diskFull = () => ({
    statusCode: 503,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'retry-after': String(DISK_FULL_RETRY_AFTER_SECONDS),
    },
    body: JSON.stringify({
      error: 'DiskFull',
      message: 'the local data disk is full: reads work, writes resume by themselves when space returns',
    }),
  });
  const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (diskSpace && isWrite(req.method ?? 'GET') && diskSpace.full()) {
      req.resume();
      const out = diskFull();
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
      return;
    }
    const room = /^\/rooms\/([0-9a-f-]{36})\/([0-9a-f]{32})$/.exec(url.pathname);
    if (room) {
      const server = fleet.serverOf(room[1]);
      const meeting = await deps.store.get(room[1]).catch(() => undefined);
      if (!server || !meeting || meeting.roomName !== room[2]) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '30' });
        res.end(
          'The meeting server is not running (yet). It starts shortly before the meeting; try again then.\n',
        );
        return;
      }
      res.writeHead(302, { location: `http://127.0.0.1:${server.port}/${room[2]}` });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      // Keep reading nothing past a limit; the handler answers 413 for anything over its own maximum.
      if (size <= 1024 * 1024) chunks.push(c as Buffer);
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    );
    const out = await handleApiRequest(
      {
        method: req.method ?? 'GET',
        path: url.pathname,
        headers,
        query: Object.fromEntries(url.searchParams),
        origin: origin(),
        body: chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined,
      },
      deps,
    );
    const answer = out.statusCode === 500 && diskSpace?.full() ? diskFull() : out;
    res.writeHead(answer.statusCode, answer.headers);
    res.end(answer.body);
  };
}
