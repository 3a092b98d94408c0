import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../local/sfn/stateStore';
import { fnArn, ROLE, startLocalSfn, until, type LocalSfn } from '../support/localSfn';

/**
 * RedriveExecution of an inline Map or a Parallel, through @aws-sdk/client-sfn. The API reference: "For workflows
 * that include an Inline Map or Parallel state, RedriveExecution API action reschedules and redrives only the
 * iterations and branches that failed or aborted" and "Step Functions preserves the results … of the successful
 * steps, and doesn't rerun these steps" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 */
const FLAKY = fnArn('flaky');

/**
 * One Lambda function for every branch and item: `key` names the branch or item. A key in `failures` fails on its
 * first calls (that many), each once `ready` says the branches or items that succeed have ended (else the failure aborts them, and
 * aborted ones rerun too, on AWS as here). It answers its key and the execution's RedriveCount.
 */
function flaky(failures: Record<string, number>, ready: (kept: number, returned: Set<string>) => boolean) {
  const calls: Record<string, number> = {};
  const returned = new Set<string>();
  const fn = async (input: unknown) => {
    const { key, exec, redrive } = input as { key: string; exec: string; redrive: number };
    calls[key] = (calls[key] ?? 0) + 1;
    if (calls[key] <= (failures[key] ?? 0)) {
      // How many outputs the engine holds for the running Map/Parallel: the test waits on its own record
      // (history events are written when the segment ends, too late to wait on).
      await until(
        () =>
          ready(Object.keys(engine!.describeExecution(exec).keptBranches?.results ?? {}).length, returned),
        10_000,
      );
      throw Object.assign(new Error(`${key} is down`), { name: 'Unavailable' });
    }
    returned.add(key);
    return { key, redrive };
  };
  return { calls, fn };
}
let engine: LocalSfn['engine'] | undefined;

const task = (key: string | { 'key.$': string }) => ({
  Type: 'Task',
  Resource: FLAKY,
  Parameters: {
    ...(typeof key === 'string' ? { key } : key),
    'exec.$': '$$.Execution.Id',
    'redrive.$': '$$.Execution.RedriveCount',
  },
  End: true,
});
const branch = (name: string, key: string) => ({ StartAt: name, States: { [name]: task(key) } });

const PARALLEL = {
  StartAt: 'All',
  States: {
    All: {
      Type: 'Parallel',
      Branches: [branch('One', 'one'), branch('Two', 'two'), branch('Three', 'three')],
      End: true,
    },
  },
};

const MAP = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemProcessor: { StartAt: 'Work', States: { Work: task({ 'key.$': "States.Format('item{}', $)" }) } },
      End: true,
    },
  },
};

async function historyOf(local: LocalSfn, executionArn: string): Promise<HistoryEvent[]> {
  const out = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return out.events!;
}

/** The events after the (last) ExecutionRedriven. */
const afterRedrive = (events: HistoryEvent[]) =>
  events.slice(events.map((e) => e.type).lastIndexOf('ExecutionRedriven') + 1);

async function start(local: LocalSfn, name: string, definition: object, input: unknown) {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }),
  );
  const { executionArn } = await local.sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return executionArn!;
}

async function failThenRedrive(local: LocalSfn, name: string, definition: object, input: unknown) {
  const executionArn = await start(local, name, definition, input);
  await local.engine.whenSettled(executionArn);
  return executionArn;
}

async function redriveToEnd(local: LocalSfn, executionArn: string) {
  await local.sfn.send(new RedriveExecutionCommand({ executionArn }));
  await local.engine.whenSettled(executionArn);
  return local.sfn.send(new DescribeExecutionCommand({ executionArn }));
}

describe('RedriveExecution of a Parallel and an inline Map', () => {
  let local: LocalSfn;
  let current = flaky({}, () => true);
  beforeAll(async () => {
    local = await startLocalSfn({ functions: { [FLAKY]: (input) => current.fn(input) } });
    engine = local.engine;
  });
  afterAll(() => local.close());

  test('a Parallel whose branch 2 failed reruns branch 2 only; the output keeps the branch order', async () => {
    current = flaky({ two: 1 }, (kept) => kept === 2);
    const executionArn = await failThenRedrive(local, 'parallel-redrive', PARALLEL, {});
    expect(await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'FAILED',
      error: 'Unavailable',
    });
    const done = await redriveToEnd(local, executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    // Branches 1 and 3 kept their first attempt's output (redrive 0); branch 2 ran again in the redrive.
    expect(JSON.parse(done.output!)).toEqual([
      { key: 'one', redrive: 0 },
      { key: 'two', redrive: 1 },
      { key: 'three', redrive: 0 },
    ]);
    expect(current.calls).toEqual({ one: 1, two: 2, three: 1 });
    const redriven = afterRedrive(await historyOf(local, executionArn));
    expect(
      redriven.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails!.name),
    ).toEqual(['Two']);
    expect(redriven.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ParallelStateEntered', 'ParallelStateSucceeded', 'ExecutionSucceeded']),
    );
  });

  test('a branch that fails again is redriven again; the kept outputs stay kept', async () => {
    current = flaky({ two: 2 }, (kept) => kept === 2);
    const executionArn = await failThenRedrive(local, 'parallel-twice', PARALLEL, {});
    expect((await redriveToEnd(local, executionArn)).status).toBe('FAILED');
    const done = await redriveToEnd(local, executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    expect(current.calls).toEqual({ one: 1, two: 3, three: 1 });
    expect(JSON.parse(done.output!)).toEqual([
      { key: 'one', redrive: 0 },
      { key: 'two', redrive: 2 },
      { key: 'three', redrive: 0 },
    ]);
  });

  test('a Parallel stopped while branch 2 runs: the redrive reruns the aborted branch only', async () => {
    const calls: Record<string, number> = {};
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    current = {
      calls,
      fn: async (input) => {
        const { key, redrive } = input as { key: string; redrive: number };
        calls[key] = (calls[key] ?? 0) + 1;
        if (key === 'two' && calls[key] === 1) await held;
        return { key, redrive };
      },
    };
    const executionArn = await start(local, 'parallel-stopped', PARALLEL, {});
    await until(
      () =>
        calls.two === 1 &&
        Object.keys(local.engine.describeExecution(executionArn).keptBranches?.results ?? {}).length === 2,
    );
    await local.sfn.send(new StopExecutionCommand({ executionArn }));
    release(); // branch 2's first call answers after the stop: its aborted run is not kept
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
    const done = await redriveToEnd(local, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(calls).toEqual({ one: 1, two: 2, three: 1 });
    expect(JSON.parse(done.output!)).toEqual([
      { key: 'one', redrive: 0 },
      { key: 'two', redrive: 1 },
      { key: 'three', redrive: 0 },
    ]);
  });

  test('an inline Map of 5 items whose items 2 and 4 failed reruns those two only, in order', async () => {
    current = flaky({ item2: 1, item4: 1 }, (kept) => kept === 3);
    const executionArn = await failThenRedrive(local, 'map-redrive', MAP, [1, 2, 3, 4, 5]);
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    const done = await redriveToEnd(local, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual([
      { key: 'item1', redrive: 0 },
      { key: 'item2', redrive: 1 },
      { key: 'item3', redrive: 0 },
      { key: 'item4', redrive: 1 },
      { key: 'item5', redrive: 0 },
    ]);
    expect(current.calls).toEqual({ item1: 1, item2: 2, item3: 1, item4: 2, item5: 1 });
    const started = afterRedrive(await historyOf(local, executionArn))
      .filter((e) => e.type === 'MapIterationStarted')
      .map((e) => e.mapIterationStartedEventDetails!.index);
    expect(started.sort()).toEqual([1, 3]);
  });

  test('a Map nested in a failed branch: that branch reruns whole, the other branch does not', async () => {
    const nested = {
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Parallel',
          Branches: [branch('Solo', 'solo'), { StartAt: 'Inner', States: { Inner: MAP.States.Each } }],
          End: true,
        },
      },
    };
    // Inner's item 2 fails once, after Solo and Inner's item 1 ended.
    current = flaky({ item2: 1 }, (kept, returned) => kept === 1 && returned.has('item1'));
    const executionArn = await failThenRedrive(local, 'nested-redrive', nested, [1, 2]);
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    const done = await redriveToEnd(local, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(current.calls).toEqual({ solo: 1, item1: 2, item2: 2 });
    expect(JSON.parse(done.output!)).toEqual([
      { key: 'solo', redrive: 0 },
      [
        { key: 'item1', redrive: 1 },
        { key: 'item2', redrive: 1 },
      ],
    ]);
  });
});

describe('RedriveExecution of a Parallel across a restart (file store)', () => {
  test('the outputs of the branches that succeeded survive the restart and are not recomputed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-redrive-branches-'));
    const current = flaky({ two: 1 }, (kept) => kept === 2);
    const on = async () => {
      const local = await startLocalSfn({
        store: new FileStateStore(dir),
        functions: { [FLAKY]: current.fn },
      });
      engine = local.engine;
      return local;
    };
    let local = await on();
    const executionArn = await failThenRedrive(local, 'parallel-restart', PARALLEL, {});
    await local.close();

    local = await on();
    try {
      expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
      const done = await redriveToEnd(local, executionArn);
      expect(done.status).toBe('SUCCEEDED');
      expect(current.calls).toEqual({ one: 1, two: 2, three: 1 });
      expect(JSON.parse(done.output!)).toEqual([
        { key: 'one', redrive: 0 },
        { key: 'two', redrive: 1 },
        { key: 'three', redrive: 0 },
      ]);
    } finally {
      await local.close();
    }
  });
});
