import type { LocalStepFunctions } from './engine';
import { SfnError } from './errors';
import type { MapRunRecord } from './opsRecords';
import { redriveBlocker } from './redrive';
import type { ExecutionRecord, StateMachineRecord } from './records';
import {
  aliasArn,
  aliasOf,
  createAlias,
  deleteAlias,
  deleteVersion,
  listVersions,
  parseQualified,
  publishVersion,
  updateAlias,
  versionArn,
  versionOf,
} from './versions';

type Body = Record<string, unknown>;
export type Action = (body: Body) => unknown;

/** The request helpers of server.ts, shared so both files read a request the same way. */
export interface RequestHelpers {
  str(body: Body, key: string, required?: boolean): string | undefined;
  arn(body: Body, key: string, shape: RegExp): string;
  page<T>(items: T[], body: Body): { slice: T[]; next?: string };
  tagList(tags: unknown): Record<string, string>;
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
const ARN_PREFIX = String.raw`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}`;
const NAME = '[A-Za-z0-9_-]{1,80}';
const ACTIVITY_ARN = new RegExp(`${ARN_PREFIX}:activity:${NAME}$`);
/** A state machine ARN, or a version's or alias's (`…:stateMachine:name:1`, `…:stateMachine:name:PROD`). */
const QUALIFIABLE_ARN = new RegExp(`${ARN_PREFIX}:stateMachine:${NAME}(:[A-Za-z0-9_.-]{1,80})?(#[^#]+)?$`);
const QUALIFIED_ARN = new RegExp(`${ARN_PREFIX}:stateMachine:${NAME}:[A-Za-z0-9_.-]{1,80}$`);
const EXECUTION_ARN = new RegExp(`${ARN_PREFIX}:execution:${NAME}:${NAME}$`);
const MAP_RUN_ARN = new RegExp(`${ARN_PREFIX}:mapRun:${NAME}/[^:]{1,80}:[0-9a-f-]{36}$`);
const MAX_TOKEN = 2048;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/**
 * The operations beyond state machines and executions: activities and task tokens, versions and aliases,
 * RedriveExecution and map runs. Some wrap server.ts's own (`base`) to add what they need: StartExecution by
 * version or alias ARN, `publish` on Create/UpdateStateMachine, DescribeExecution's version, alias and redrive
 * fields. Shapes and error names are the service model's (botocore data/stepfunctions/2016-11-23).
 */
export function opsActions(
  engine: LocalStepFunctions,
  { str, arn, page, tagList }: RequestHelpers,
  base: Record<string, Action>,
): Record<string, Action> {
  const now = () => Date.now();
  const token = (b: Body) => {
    const t = str(b, 'taskToken')!;
    if (t.length > MAX_TOKEN)
      throw new SfnError('InvalidToken', 'Invalid Token: longer than 2048 characters');
    return t;
  };
  const machineOfQualified = (qualified: string): StateMachineRecord =>
    engine.describeStateMachine(parseQualified(qualified).stateMachineArn);
  const optionalString = (b: Body, key: string, max: number) => {
    const v = b[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > max)
      throw new SfnError('ValidationException', `${key} must be a string of at most ${max} characters`);
    return v;
  };
  const publishIfAsked = (b: Body, m: StateMachineRecord) => {
    if (b.publish !== true) return {};
    const v = publishVersion(m, { description: optionalString(b, 'versionDescription', 256) }, now());
    engine.saveStateMachine(m);
    return { stateMachineVersionArn: versionArn(m, v) };
  };
  const redriveView = (e: ExecutionRecord) => {
    const blocker = redriveBlocker(e, now());
    return {
      redriveCount: e.redriveCount ?? 0,
      redriveDate: seconds(e.redriveDate),
      ...(e.stateMachineVersionArn ? { stateMachineVersionArn: e.stateMachineVersionArn } : {}),
      ...(e.stateMachineAliasArn ? { stateMachineAliasArn: e.stateMachineAliasArn } : {}),
      redriveStatus: blocker ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      ...(blocker ? { redriveStatusReason: blocker } : {}),
    };
  };
  const mapRunView = (r: MapRunRecord) => {
    const running = r.status === 'RUNNING' ? Math.max(0, r.total - r.succeeded - r.failed) : 0;
    const counts = {
      pending: 0,
      running,
      succeeded: r.succeeded,
      failed: r.failed,
      timedOut: 0,
      aborted: r.aborted,
      total: r.total,
      resultsWritten: r.succeeded,
      failuresNotRedrivable: 0,
      pendingRedrive: 0,
    };
    return {
      mapRunArn: r.mapRunArn,
      executionArn: r.executionArn,
      status: r.status,
      startDate: seconds(r.startDate),
      stopDate: seconds(r.stopDate),
      maxConcurrency: r.maxConcurrency,
      toleratedFailurePercentage: r.toleratedFailurePercentage,
      toleratedFailureCount: r.toleratedFailureCount,
      itemCounts: counts,
      executionCounts: counts,
      redriveCount: 0,
    };
  };

  return {
    // Activities.
    CreateActivity: (b) => {
      const a = engine.activities.create(str(b, 'name')!, tagList(b.tags));
      return { activityArn: a.activityArn, creationDate: seconds(a.creationDate) };
    },
    DescribeActivity: (b) => {
      const a = engine.activities.describe(arn(b, 'activityArn', ACTIVITY_ARN));
      return { activityArn: a.activityArn, name: a.name, creationDate: seconds(a.creationDate) };
    },
    ListActivities: (b) => {
      const { slice, next } = page(engine.activities.list(), b);
      return {
        activities: slice.map((a) => ({
          activityArn: a.activityArn,
          name: a.name,
          creationDate: seconds(a.creationDate),
        })),
        nextToken: next,
      };
    },
    DeleteActivity: (b) => {
      engine.activities.delete(arn(b, 'activityArn', ACTIVITY_ARN));
      return {};
    },
    GetActivityTask: (b) =>
      engine.tokens.getActivityTask(
        arn(b, 'activityArn', ACTIVITY_ARN),
        optionalString(b, 'workerName', 80),
        engine.activityPollMs,
      ),
    // Task tokens (callbacks and activity tasks).
    SendTaskSuccess: (b) => {
      engine.tokens.sendSuccess(token(b), str(b, 'output')!);
      return {};
    },
    SendTaskFailure: (b) => {
      engine.tokens.sendFailure(token(b), optionalString(b, 'error', 256), optionalString(b, 'cause', 32768));
      return {};
    },
    SendTaskHeartbeat: (b) => {
      engine.tokens.sendHeartbeat(token(b));
      return {};
    },
    // Versions.
    CreateStateMachine: (b) => {
      const out = base.CreateStateMachine(b) as { stateMachineArn: string };
      return { ...out, ...publishIfAsked(b, engine.describeStateMachine(out.stateMachineArn)) };
    },
    UpdateStateMachine: (b) => {
      const out = base.UpdateStateMachine(b) as object;
      return { ...out, ...publishIfAsked(b, engine.describeStateMachine(str(b, 'stateMachineArn')!)) };
    },
    PublishStateMachineVersion: (b) => {
      const m = machineOfQualified(arn(b, 'stateMachineArn', QUALIFIABLE_ARN));
      const v = publishVersion(
        m,
        { revisionId: str(b, 'revisionId', false), description: optionalString(b, 'description', 256) },
        now(),
      );
      engine.saveStateMachine(m);
      return { stateMachineVersionArn: versionArn(m, v), creationDate: seconds(v.creationDate) };
    },
    ListStateMachineVersions: (b) => {
      const m = engine.describeStateMachine(str(b, 'stateMachineArn')!);
      const { slice, next } = page(listVersions(m), b);
      return {
        stateMachineVersions: slice.map((v) => ({
          stateMachineVersionArn: versionArn(m, v),
          creationDate: seconds(v.creationDate),
        })),
        nextToken: next,
      };
    },
    DeleteStateMachineVersion: (b) => {
      const requested = arn(b, 'stateMachineVersionArn', QUALIFIED_ARN);
      const { stateMachineArn, version } = parseQualified(requested);
      if (version === undefined)
        throw new SfnError('ValidationException', `${requested} is not a state machine version ARN`);
      let m: StateMachineRecord;
      try {
        m = engine.describeStateMachine(stateMachineArn);
      } catch {
        return {};
      }
      const v = deleteVersion(m, version);
      // Executions still running on it keep their definition, as the machine's older revisions are kept.
      const running = engine
        .listExecutions(stateMachineArn, 'RUNNING')
        .some((e) => e.stateMachineVersionArn === requested);
      if (v && running) {
        m.revisions ??= {};
        m.revisions[v.revisionId ?? ''] ??= {
          definition: v.definition,
          roleArn: v.roleArn,
          updateDate: v.creationDate,
        };
      }
      engine.saveStateMachine(m);
      return {};
    },
    // Aliases.
    CreateStateMachineAlias: (b) => {
      const routing = b.routingConfiguration as Array<{ stateMachineVersionArn?: unknown }> | undefined;
      const first = Array.isArray(routing) ? routing[0]?.stateMachineVersionArn : undefined;
      if (typeof first !== 'string')
        throw new SfnError('ValidationException', 'routingConfiguration must list one or two versions');
      const m = machineOfQualified(first);
      const a = createAlias(
        m,
        {
          name: str(b, 'name')!,
          description: optionalString(b, 'description', 256),
          routingConfiguration: b.routingConfiguration,
        },
        now(),
      );
      engine.saveStateMachine(m);
      return { stateMachineAliasArn: aliasArn(m, a), creationDate: seconds(a.creationDate) };
    },
    DescribeStateMachineAlias: (b) => {
      const requested = arn(b, 'stateMachineAliasArn', QUALIFIED_ARN);
      const m = machineOfQualified(requested);
      const a = aliasOf(m, requested);
      return {
        stateMachineAliasArn: aliasArn(m, a),
        name: a.name,
        description: a.description,
        routingConfiguration: a.routingConfiguration,
        creationDate: seconds(a.creationDate),
        updateDate: seconds(a.updateDate ?? a.creationDate),
      };
    },
    UpdateStateMachineAlias: (b) => {
      const requested = arn(b, 'stateMachineAliasArn', QUALIFIED_ARN);
      const m = machineOfQualified(requested);
      const a = updateAlias(
        m,
        requested,
        { description: optionalString(b, 'description', 256), routingConfiguration: b.routingConfiguration },
        now(),
      );
      engine.saveStateMachine(m);
      return { updateDate: seconds(a.updateDate) };
    },
    DeleteStateMachineAlias: (b) => {
      const requested = arn(b, 'stateMachineAliasArn', QUALIFIED_ARN);
      const m = machineOfQualified(requested);
      deleteAlias(m, requested);
      engine.saveStateMachine(m);
      return {};
    },
    ListStateMachineAliases: (b) => {
      const m = machineOfQualified(arn(b, 'stateMachineArn', QUALIFIABLE_ARN));
      const { slice, next } = page(m.aliases ?? [], b);
      return {
        stateMachineAliases: slice.map((a) => ({
          stateMachineAliasArn: aliasArn(m, a),
          creationDate: seconds(a.creationDate),
        })),
        nextToken: next,
      };
    },
    DescribeStateMachine: (b) => {
      const requested = arn(b, 'stateMachineArn', QUALIFIABLE_ARN);
      const { version } = parseQualified(requested);
      const out = base.DescribeStateMachine({
        ...b,
        stateMachineArn: parseQualified(requested).stateMachineArn,
      });
      if (version === undefined) return out;
      // A version ARN describes that version (API reference, DescribeStateMachine).
      const v = versionOf(machineOfQualified(requested), requested);
      return {
        ...(out as object),
        stateMachineArn: requested,
        definition: v.definition,
        roleArn: v.roleArn,
        revisionId: v.revisionId,
        description: v.description,
        creationDate: seconds(v.creationDate),
      };
    },
    // Executions by version or alias, with their redrive fields.
    StartExecution: (b) => {
      const requested = arn(b, 'stateMachineArn', QUALIFIABLE_ARN);
      const e = engine.startExecution({
        stateMachineArn: requested,
        name: str(b, 'name', false),
        input: str(b, 'input', false),
      });
      return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
    },
    DescribeExecution: (b) => {
      const out = base.DescribeExecution(b) as { executionArn: string };
      return { ...out, ...redriveView(engine.describeExecution(out.executionArn)) };
    },
    ListExecutions: (b) => {
      if (b.mapRunArn !== undefined) {
        // The items of a local map run run in-process: it has no child executions to list.
        engine.mapRuns.describe(arn(b, 'mapRunArn', MAP_RUN_ARN));
        return { executions: [] };
      }
      const requested = arn(b, 'stateMachineArn', QUALIFIABLE_ARN);
      const { stateMachineArn, version, alias } = parseQualified(requested);
      const status = str(b, 'statusFilter', false);
      const redrive = str(b, 'redriveFilter', false);
      if (redrive !== undefined && redrive !== 'REDRIVEN' && redrive !== 'NOT_REDRIVEN')
        throw new SfnError('ValidationException', 'redriveFilter must be REDRIVEN or NOT_REDRIVEN');
      if (version !== undefined) versionOf(engine.describeStateMachine(stateMachineArn), requested);
      if (alias !== undefined) aliasOf(engine.describeStateMachine(stateMachineArn), requested);
      if (status !== undefined && !STATUSES.includes(status))
        throw new SfnError('ValidationException', `statusFilter ${status} is not a status`);
      const filtered = engine
        .listExecutions(stateMachineArn, status)
        .filter(
          (e) =>
            (version === undefined || e.stateMachineVersionArn === requested) &&
            (alias === undefined || e.stateMachineAliasArn === requested) &&
            (redrive === undefined || (redrive === 'REDRIVEN') === (e.redriveCount ?? 0) > 0),
        );
      const { slice, next } = page(filtered, b);
      return {
        executions: slice.map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startDate),
          stopDate: seconds(e.stopDate),
          ...(e.stateMachineVersionArn ? { stateMachineVersionArn: e.stateMachineVersionArn } : {}),
          ...(e.stateMachineAliasArn ? { stateMachineAliasArn: e.stateMachineAliasArn } : {}),
          ...(e.redriveCount ? { redriveCount: e.redriveCount, redriveDate: seconds(e.redriveDate) } : {}),
        })),
        nextToken: next,
      };
    },
    RedriveExecution: (b) => {
      const e = engine.redriveExecution(arn(b, 'executionArn', EXECUTION_ARN));
      return { redriveDate: seconds(e.redriveDate) };
    },
    // Map runs.
    ListMapRuns: (b) => {
      const executionArn = arn(b, 'executionArn', EXECUTION_ARN);
      engine.describeExecution(executionArn);
      const { slice, next } = page(engine.mapRuns.list(executionArn), b);
      return {
        mapRuns: slice.map((r) => ({
          executionArn: r.executionArn,
          mapRunArn: r.mapRunArn,
          stateMachineArn: r.stateMachineArn,
          startDate: seconds(r.startDate),
          stopDate: seconds(r.stopDate),
        })),
        nextToken: next,
      };
    },
    DescribeMapRun: (b) => mapRunView(engine.mapRuns.describe(arn(b, 'mapRunArn', MAP_RUN_ARN))),
    UpdateMapRun: (b) => {
      const maxConcurrency = b.maxConcurrency;
      const percentage = b.toleratedFailurePercentage;
      const count = b.toleratedFailureCount;
      if (
        maxConcurrency !== undefined &&
        !(Number.isInteger(maxConcurrency) && (maxConcurrency as number) >= 0)
      )
        throw new SfnError('ValidationException', 'maxConcurrency must be an integer of at least 0');
      if (
        percentage !== undefined &&
        !(typeof percentage === 'number' && percentage >= 0 && percentage <= 100)
      )
        throw new SfnError(
          'ValidationException',
          'toleratedFailurePercentage must be a number from 0 to 100',
        );
      if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0))
        throw new SfnError('ValidationException', 'toleratedFailureCount must be an integer of at least 0');
      engine.mapRuns.update(arn(b, 'mapRunArn', MAP_RUN_ARN), {
        maxConcurrency: maxConcurrency as number | undefined,
        toleratedFailurePercentage: percentage as number | undefined,
        toleratedFailureCount: count as number | undefined,
      });
      return {};
    },
  };
}
