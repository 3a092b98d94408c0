import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  UpdateMapRunCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { FileStateStore } from '../../local/sfn/stateStore';
import { ACCOUNT, fnArn, REGION, ROLE, startLocalSfn, until, type LocalSfn } from '../support/localSfn';

/**
 * UpdateMapRun on a Map Run in progress, through the real SDK. AWS's API reference (API_UpdateMapRun): "Updates
 * an in-progress Map Run's configuration to include changes to the settings that control maximum concurrency and
 * Map Run failure" — so the running Map takes the new MaxConcurrency and tolerated failures from then on.
 */
describe('UpdateMapRun applied to a Map Run in progress', () => {
  const BLOCK = fnArn('block');
  /** The items in flight: each waits in the function until the test releases it. */
  let waiting: { input: { i: number; ok: boolean }; release: () => void }[] = [];
  let inFlight = 0;
  let peak = 0;
  let local: LocalSfn;
  let machines = 0;

  beforeAll(async () => {
    local = await startLocalSfn({
      functions: {
        [BLOCK]: async (input) => {
          const item = input as { i: number; ok: boolean };
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise<void>((release) => waiting.push({ input: item, release }));
          inFlight--;
          if (!item.ok) throw Object.assign(new Error(`item ${item.i} failed`), { name: 'Boom' });
          return item.i;
        },
      },
    });
  });
  afterAll(() => local.close());
  beforeEach(() => {
    waiting = [];
    inFlight = 0;
    peak = 0;
  });

  const send = <T>(command: { input: unknown }) => local.sfn.send(command as never) as Promise<T>;

  /** A distributed Map over `items`, each calling the blocking function. */
  async function start(fields: object, items: { i: number; ok: boolean }[]) {
    const { stateMachineArn } = await send<{ stateMachineArn: string }>(
      new CreateStateMachineCommand({
        name: `live-${++machines}`,
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              ...fields,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'Block',
                States: { Block: { Type: 'Task', Resource: BLOCK, End: true } },
              },
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await send<{ executionArn: string }>(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ items }) }),
    );
    const mapRunArn = await until(async () => {
      const { mapRuns } = await send<{ mapRuns: { mapRunArn: string }[] }>(
        new ListMapRunsCommand({ executionArn }),
      );
      return mapRuns[0]?.mapRunArn;
    });
    return { executionArn, mapRunArn };
  }

  /** Releases every item waiting now. */
  const releaseAll = () => waiting.splice(0).forEach((w) => w.release());
  /** Waits until `n` items wait in the function, and no more start for a moment. */
  async function settledAt(n: number) {
    await until(() => waiting.length === n, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(waiting.length).toBe(n);
  }
  interface Ended {
    status: string;
    output?: string;
    error?: string;
  }
  async function finished(executionArn: string): Promise<Ended> {
    let described: Ended = { status: 'RUNNING' };
    await until(async () => {
      described = await send<Ended>(new DescribeExecutionCommand({ executionArn }));
      return described.status !== 'RUNNING';
    }, 10_000);
    return described;
  }

  const items = (n: number, bad = 0) => Array.from({ length: n }, (_, i) => ({ i, ok: i >= bad }));

  test('MaxConcurrency raised from 1 to 5: the new slots fill at once, 5 items run together', async () => {
    const { executionArn, mapRunArn } = await start({ MaxConcurrency: 1 }, items(10));
    await settledAt(1);
    releaseAll();
    await settledAt(1);
    expect(peak).toBe(1);

    await send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 5 }));
    expect(await send(new DescribeMapRunCommand({ mapRunArn }))).toMatchObject({ maxConcurrency: 5 });
    await settledAt(5); // the one still running and 4 more
    expect(peak).toBe(5);
    releaseAll();
    await settledAt(4); // 10 items: 1 done, then 5, leaving 4
    releaseAll();

    const end = await finished(executionArn);
    expect(end.status).toBe('SUCCEEDED');
    expect(JSON.parse(end.output!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(5);
  });

  test('MaxConcurrency lowered from 4 to 1: once the running items end, one item at a time', async () => {
    const { executionArn, mapRunArn } = await start({ MaxConcurrency: 4 }, items(6));
    await settledAt(4);
    await send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 1 }));
    releaseAll();
    await settledAt(1);
    releaseAll();
    await settledAt(1);
    releaseAll();
    expect((await finished(executionArn)).status).toBe('SUCCEEDED');
  });

  test('ToleratedFailureCount raised live: a run whose items fail beyond the state`s threshold succeeds', async () => {
    // Two of four items fail; the state tolerates one, so unchanged the run fails (the control case below).
    const control = await start({ MaxConcurrency: 4, ToleratedFailureCount: 1 }, items(4, 2));
    await settledAt(4);
    releaseAll();
    expect(await finished(control.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });

    const live = await start({ MaxConcurrency: 4, ToleratedFailureCount: 1 }, items(4, 2));
    await settledAt(4);
    await send(new UpdateMapRunCommand({ mapRunArn: live.mapRunArn, toleratedFailureCount: 2 }));
    releaseAll();
    const end = await finished(live.executionArn);
    expect(end.status).toBe('SUCCEEDED');
    expect(JSON.parse(end.output!)).toEqual([2, 3]);
  });

  test('a tolerance set live on a Map that declared none: failing items are tolerated instead of failing it', async () => {
    const control = await start({ MaxConcurrency: 3 }, items(3, 1));
    await settledAt(3);
    releaseAll();
    expect(await finished(control.executionArn)).toMatchObject({ status: 'FAILED', error: 'Boom' });

    const live = await start({ MaxConcurrency: 3 }, items(3, 1));
    await settledAt(3);
    await send(new UpdateMapRunCommand({ mapRunArn: live.mapRunArn, toleratedFailurePercentage: 50 }));
    releaseAll();
    const end = await finished(live.executionArn);
    expect(end.status).toBe('SUCCEEDED');
    expect(JSON.parse(end.output!)).toEqual([1, 2]);
  });
});

describe('UpdateMapRun across a restart (file store)', () => {
  test('the updated MaxConcurrency still applies when the run goes on after a restart', async () => {
    const BLOCK = fnArn('block-restart');
    const dir = mkdtempSync(join(tmpdir(), 'sfn-maprun-live-'));
    const waiting: (() => void)[] = [];
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: REGION,
        account: ACCOUNT,
        store: new FileStateStore(dir),
        functions: {
          [BLOCK]: async (input) => {
            await new Promise<void>((release) => waiting.push(release));
            return input;
          },
        },
      });
      await engine.start();
      return engine;
    };
    const first = await engineOn();
    const { stateMachineArn } = first.createStateMachine({
      name: 'maprun-live-restart',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Block',
              States: { Block: { Type: 'Task', Resource: BLOCK, End: true } },
            },
            End: true,
          },
        },
      }),
    });
    const { executionArn } = first.startExecution({ stateMachineArn, input: '[1,2,3,4,5,6]' });
    const run = await until(() => first.mapRuns.list(executionArn)[0]);
    await until(() => waiting.length === 1);
    first.mapRuns.update(run.mapRunArn, { maxConcurrency: 3 });
    await until(() => waiting.length === 3);
    await first.close(); // stops while three items are running
    waiting.splice(0).forEach((release) => release()); // the stopped engine's calls: their results are dropped

    const second = await engineOn();
    // The Map runs again from its start, three items at once (MaxConcurrency 1 would start one).
    await until(() => waiting.length === 3, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(waiting.length).toBe(3);
    expect(second.mapRuns.describe(run.mapRunArn)).toMatchObject({ maxConcurrency: 3, status: 'RUNNING' });
    waiting.splice(0).forEach((release) => release());
    await until(() => waiting.length === 3, 10_000);
    waiting.splice(0).forEach((release) => release());
    const done = await second.whenSettled(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual([1, 2, 3, 4, 5, 6]);
    await second.close();
  }, 15_000);
});
