import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { LocalFunction } from '../../local/sfn/taskResources';
import { TaskFailure } from '../../local/sfn/taskResources';
import { fnArn, ROLE, startLocalSfn } from '../support/localSfn';
import type { ConformanceCase, LambdaSpec } from './caseSchema';
import { brief, eventsDifference, firstDifference, matchesRecordedString } from './compare';

/** How one case went: excluded (needs a real AWS service), or passed / failed with one-line differences. */
export interface CaseOutcome {
  id: string;
  excluded: boolean;
  passed: boolean;
  differences: string[];
  /** Only when the case records the history: whether the event types were the same, in the same order. */
  events?: { equal: boolean; difference?: string };
}

/** What the local engine answered, in the terms of a case's `expected`. */
export interface ActualRun {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
  events: string[];
  creationError?: { code: string; message: string };
}

/** Every Wait lasts a thousandth of its length, every retry pause 1 ms: the sequence is kept, not the time. */
const WAIT_SCALE = 0.001;
const RETRY_DELAY_MS = 1;
const SETTLE_TIMEOUT_MS = 20_000;

/** Serves a case's simple Lambdas in-process, keyed by ARN (a bare function name is given the local ARN). */
export function localFunctions(lambdas: Record<string, LambdaSpec>): Record<string, LocalFunction> {
  const entries = Object.entries(lambdas).map(([key, spec]): [string, LocalFunction] => {
    const arn = key.startsWith('arn:') ? key : fnArn(key);
    switch (spec.kind) {
      case 'echo':
        return [arn, (input) => Promise.resolve(input)];
      case 'constant':
        return [arn, () => Promise.resolve(spec.value)];
      case 'raise':
        return [arn, () => Promise.reject(new TaskFailure(spec.error, spec.cause ?? ''))];
    }
  });
  return Object.fromEntries(entries);
}

let runs = 0;

/** Runs one case on a fresh local engine through the real SDK client and answers what happened. */
export async function runOnLocalSfn(c: ConformanceCase): Promise<ActualRun> {
  const local = await startLocalSfn({
    functions: localFunctions(c.lambdas),
    waitScale: WAIT_SCALE,
    retryDelayMs: RETRY_DELAY_MS,
  });
  try {
    let stateMachineArn: string | undefined;
    try {
      ({ stateMachineArn } = await local.sfn.send(
        new CreateStateMachineCommand({
          name: `conformance-${++runs}`,
          definition: JSON.stringify(c.definition),
          roleArn: ROLE,
        }),
      ));
    } catch (err) {
      const e = err as Error;
      return { status: 'CREATION_FAILED', events: [], creationError: { code: e.name, message: e.message } };
    }
    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(c.input) }),
    );
    await withTimeout(local.engine.whenSettled(executionArn!), SETTLE_TIMEOUT_MS);
    const d = await local.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await local.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return {
      status: d.status ?? 'UNKNOWN',
      output: d.output === undefined ? undefined : (JSON.parse(d.output) as unknown),
      error: d.error,
      cause: d.cause,
      events: events.map((e) => e.type ?? '?'),
    };
  } finally {
    await local.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`execution still RUNNING after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Compares a run with the recorded answer: status, output, error and cause, the creation error's code and
 * message (when recorded); the event-type sequence is judged and counted apart (the issue has its own target).
 */
export function judge(c: ConformanceCase, actual: ActualRun): CaseOutcome {
  const x = c.expected;
  const differences: string[] = [];
  if (x.status !== actual.status) {
    const why =
      actual.creationError?.code !== undefined
        ? `${actual.creationError.code}: ${actual.creationError.message}`
        : (actual.error ?? brief(actual.output));
    differences.push(`status: expected ${x.status}, got ${actual.status} (${brief(why, 160)})`);
  } else if (x.status === 'CREATION_FAILED') {
    const want = x.creationError!;
    const got = actual.creationError!;
    if (want.code !== got.code) differences.push(`creation error: expected ${want.code}, got ${got.code}`);
    else if (want.message !== undefined && !matchesRecordedString(want.message, got.message))
      differences.push(`creation message: expected ${brief(want.message)}, got ${brief(got.message)}`);
  } else {
    if (x.output !== undefined) {
      const d = firstDifference(x.output, actual.output, '$', new Set(c.ignoreKeys));
      if (d) differences.push(`output ${d}`);
    }
    for (const key of ['error', 'cause'] as const) {
      const want = x[key];
      if (want === undefined) continue;
      const got = actual[key] ?? null;
      const same = want === null ? got === null : got !== null && matchesRecordedString(want, got);
      if (!same) differences.push(`${key}: expected ${brief(want)}, got ${brief(got)}`);
    }
  }
  const outcome: CaseOutcome = { id: c.id, excluded: false, passed: differences.length === 0, differences };
  if (x.events && x.status !== 'CREATION_FAILED') {
    const difference = eventsDifference(x.events, actual.events);
    outcome.events = difference ? { equal: false, difference } : { equal: true };
  }
  return outcome;
}

/** Runs and judges one case; a case that needs a real AWS service is counted apart, not run. */
export async function runCase(c: ConformanceCase): Promise<CaseOutcome> {
  if (c.needs.length > 0) return { id: c.id, excluded: true, passed: false, differences: [] };
  try {
    return judge(c, await runOnLocalSfn(c));
  } catch (err) {
    return { id: c.id, excluded: false, passed: false, differences: [`run: ${(err as Error).message}`] };
  }
}
