import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  UpdateMapRunCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { FileStateStore } from '../../local/sfn/stateStore';
import { createAlias, publishVersion } from '../../local/sfn/versions';
import { ACCOUNT, fnArn, REGION, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * Versions and aliases, RedriveExecution and map runs, through @aws-sdk/client-sfn. AWS's behaviour is the API
 * reference's: PublishStateMachineVersion ("an idempotent API … If you don't specify a revisionId, Step Functions
 * checks for a previously published version of the state machine's current revision"), DescribeStateMachine
 * ("If you specify a state machine version ARN, this API returns details about that version"),
 * RedriveExecution ("continues the failed execution from the unsuccessful step and uses the same input … doesn't
 * rerun these steps"), and the developer guide's "Viewing a Distributed Map Run execution".
 */
const passing = (result: unknown) =>
  JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

describe('versions and aliases', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn();
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);
  const run = async (stateMachineArn: string) => {
    const { executionArn } = await send(new StartExecutionCommand({ stateMachineArn }));
    await local.engine.whenSettled(executionArn!);
    return send(new DescribeExecutionCommand({ executionArn }));
  };

  test('publish, describe and list versions; start by version; revisionId guards a publish', async () => {
    const created = await send(
      new CreateStateMachineCommand({
        name: 'versioned',
        definition: passing('one'),
        roleArn: ROLE,
        publish: true,
        versionDescription: 'first',
      }),
    );
    const machine = created.stateMachineArn!;
    expect(created.stateMachineVersionArn).toBe(`${machine}:1`);
    // The current revision is already published: the same version answers.
    const again = await send(new PublishStateMachineVersionCommand({ stateMachineArn: machine }));
    expect(again.stateMachineVersionArn).toBe(`${machine}:1`);
    const updated = await send(
      new UpdateStateMachineCommand({ stateMachineArn: machine, definition: passing('two'), publish: true }),
    );
    expect(updated.stateMachineVersionArn).toBe(`${machine}:2`);
    await send(new UpdateStateMachineCommand({ stateMachineArn: machine, definition: passing('three') }));
    await expect(
      send(
        new PublishStateMachineVersionCommand({ stateMachineArn: machine, revisionId: updated.revisionId }),
      ),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    const latest = await send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    const third = await send(
      new PublishStateMachineVersionCommand({
        stateMachineArn: machine,
        revisionId: latest.revisionId,
        description: 'third',
      }),
    );
    expect(third.stateMachineVersionArn).toBe(`${machine}:3`);

    const versions = await send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(versions.stateMachineVersions!.map((v) => v.stateMachineVersionArn)).toEqual([
      `${machine}:3`,
      `${machine}:2`,
      `${machine}:1`,
    ]);
    expect(await send(new DescribeStateMachineCommand({ stateMachineArn: `${machine}:1` }))).toMatchObject({
      stateMachineArn: `${machine}:1`,
      definition: passing('one'),
      description: 'first',
    });

    expect(await run(`${machine}:1`)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"one"',
      stateMachineArn: machine,
      stateMachineVersionArn: `${machine}:1`,
    });
    expect((await run(machine)).output).toBe('"three"');
    await expect(send(new StartExecutionCommand({ stateMachineArn: `${machine}:9` }))).rejects.toMatchObject({
      name: 'ResourceNotFound',
    });
  });

  test('an alias routes executions by weight; a version an alias uses cannot be deleted', async () => {
    const { stateMachineArn: machine } = await send(
      new CreateStateMachineCommand({
        name: 'aliased',
        definition: passing('blue'),
        roleArn: ROLE,
        publish: true,
      }),
    );
    await send(
      new UpdateStateMachineCommand({
        stateMachineArn: machine,
        definition: passing('green'),
        publish: true,
      }),
    );
    const [v1, v2] = [`${machine}:1`, `${machine}:2`];
    const { stateMachineAliasArn: alias } = await send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        description: 'live',
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );
    expect(alias).toBe(`${machine}:prod`);
    const viaAlias = await run(alias!);
    expect(viaAlias).toMatchObject({
      output: '"blue"',
      stateMachineAliasArn: alias,
      stateMachineVersionArn: v1,
    });
    expect(
      await send(new DescribeStateMachineForExecutionCommand({ executionArn: viaAlias.executionArn })),
    ).toMatchObject({ definition: passing('blue') });

    await send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: alias,
        routingConfiguration: [
          { stateMachineVersionArn: v1, weight: 50 },
          { stateMachineVersionArn: v2, weight: 50 },
        ],
      }),
    );
    const outputs = new Set<string>();
    for (let i = 0; i < 24; i++) outputs.add((await run(alias!)).output!);
    // Half and half: 24 executions all on one version has a probability of 2^-23.
    expect([...outputs].sort()).toEqual(['"blue"', '"green"']);
    const listed = await send(new ListExecutionsCommand({ stateMachineArn: v2 }));
    expect(listed.executions!.length).toBeGreaterThan(0);
    expect(listed.executions!.every((e) => e.stateMachineVersionArn === v2)).toBe(true);

    await expect(
      send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: alias,
          routingConfiguration: [
            { stateMachineVersionArn: v1, weight: 60 },
            { stateMachineVersionArn: v2, weight: 60 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 })),
    ).rejects.toMatchObject({
      name: 'ConflictException',
    });
    expect(await send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias }))).toMatchObject({
      name: 'prod',
      description: 'live',
      routingConfiguration: [
        { stateMachineVersionArn: v1, weight: 50 },
        { stateMachineVersionArn: v2, weight: 50 },
      ],
    });
    expect(
      (await send(new ListStateMachineAliasesCommand({ stateMachineArn: machine }))).stateMachineAliases,
    ).toEqual([{ stateMachineAliasArn: alias, creationDate: expect.any(Date) }]);
    await send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: alias }));
    await expect(
      send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFound',
    });
    await send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    const left = await send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(left.stateMachineVersions!.map((v) => v.stateMachineVersionArn)).toEqual([v2]);
  });
});

describe('RedriveExecution', () => {
  const FLAKY = fnArn('flaky');
  let local: LocalSfn;
  let calls: string[] = [];
  let failing = true;
  beforeAll(async () => {
    local = await startLocalSfn({
      functions: {
        [FLAKY]: async (input) => {
          calls.push(JSON.stringify(input));
          if (failing) throw Object.assign(new Error('down'), { name: 'Unavailable' });
          return 'up';
        },
      },
    });
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);

  test('a failed execution goes on from the failed state with its input; the steps before are not run again', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({
        name: 'redriven',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Prepare',
          States: {
            Prepare: { Type: 'Pass', Result: { step: 'prepared' }, ResultPath: '$.prep', Next: 'Call' },
            Call: {
              Type: 'Task',
              Resource: FLAKY,
              ResultPath: '$.call',
              Next: 'Count',
            },
            Count: {
              Type: 'Pass',
              Parameters: { 'redrives.$': '$$.Execution.RedriveCount', 'call.$': '$.call' },
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ id: 7 }) }),
    );
    await local.engine.whenSettled(executionArn!);
    expect(await send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'FAILED',
      error: 'Unavailable',
      redriveStatus: 'REDRIVABLE',
      redriveCount: 0,
    });
    failing = false;
    const { redriveDate } = await send(new RedriveExecutionCommand({ executionArn }));
    expect(redriveDate).toBeInstanceOf(Date);
    await local.engine.whenSettled(executionArn!);
    const done = await send(new DescribeExecutionCommand({ executionArn }));
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    expect(JSON.parse(done.output!)).toEqual({ redrives: 1, call: 'up' });
    // The task ran twice with the same input; Prepare ran once.
    expect(calls).toEqual([
      JSON.stringify({ id: 7, prep: { step: 'prepared' } }),
      JSON.stringify({ id: 7, prep: { step: 'prepared' } }),
    ]);
    const types = (await send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(2); // Prepare once, Count once
    expect(types.slice(types.indexOf('ExecutionFailed'), types.indexOf('ExecutionFailed') + 3)).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered',
    ]);
    await expect(send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
    const redriven = await send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));
    expect(redriven.executions!.map((e) => e.executionArn)).toEqual([executionArn]);
    calls = [];
  });
});

describe('map runs of a distributed Map', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn();
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);

  test('ListMapRuns, DescribeMapRun, UpdateMapRun; MapRunStarted and MapRunSucceeded in the history', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({
        name: 'distributed',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              MaxConcurrency: 5,
              ToleratedFailurePercentage: 12.5,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'Double',
                States: { Double: { Type: 'Pass', End: true } },
              },
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ items: [1, 2, 3] }) }),
    );
    await local.engine.whenSettled(executionArn!);
    const { mapRuns } = await send(new ListMapRunsCommand({ executionArn }));
    expect(mapRuns).toHaveLength(1);
    const mapRunArn = mapRuns![0].mapRunArn!;
    expect(mapRunArn).toMatch(
      new RegExp(`^arn:aws:states:${REGION}:${ACCOUNT}:mapRun:distributed/Each:[0-9a-f-]{36}$`),
    );
    expect(await send(new DescribeMapRunCommand({ mapRunArn }))).toMatchObject({
      status: 'SUCCEEDED',
      executionArn,
      maxConcurrency: 5,
      toleratedFailurePercentage: 12.5,
      itemCounts: { total: 3, succeeded: 3, failed: 0, running: 0 },
    });
    await send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 2, toleratedFailureCount: 1 }));
    expect(await send(new DescribeMapRunCommand({ mapRunArn }))).toMatchObject({
      maxConcurrency: 2,
      toleratedFailureCount: 1,
    });
    const events = (await send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t!.startsWith('Map'))).toEqual([
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
    ]);
    expect(events.find((e) => e.type === 'MapRunStarted')!.mapRunStartedEventDetails).toEqual({ mapRunArn });
    await expect(
      send(new DescribeMapRunCommand({ mapRunArn: mapRunArn.replace(/[0-9a-f]{12}$/, '000000000000') })),
    ).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });
});

describe('versions, aliases and map runs survive a restart on the file store', () => {
  test('after a restart the alias still routes to its version, and the map run is still listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-versions-'));
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: REGION,
        account: ACCOUNT,
        store: new FileStateStore(dir),
        functions: {},
      });
      await engine.start();
      return engine;
    };
    const first = await engineOn();
    const m = first.createStateMachine({ name: 'kept', roleArn: ROLE, definition: passing('v1') });
    publishVersion(m, {}, Date.now());
    createAlias(
      m,
      {
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: `${m.stateMachineArn}:1`, weight: 100 }],
      },
      Date.now(),
    );
    first.saveStateMachine(m);
    first.updateStateMachine(m.stateMachineArn, { definition: passing('v2') });
    const mapped = first.createStateMachine({
      name: 'kept-map',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
              StartAt: 'Item',
              States: { Item: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      }),
    });
    const withMap = first.startExecution({ stateMachineArn: mapped.stateMachineArn, input: '[1, 2]' });
    await first.whenSettled(withMap.executionArn);
    await first.close();

    const second = await engineOn();
    const e = second.startExecution({ stateMachineArn: `${m.stateMachineArn}:live` });
    expect(await second.whenSettled(e.executionArn)).toMatchObject({
      output: '"v1"',
      stateMachineVersionArn: `${m.stateMachineArn}:1`,
      stateMachineAliasArn: `${m.stateMachineArn}:live`,
    });
    expect(second.mapRuns.list(withMap.executionArn)).toMatchObject([
      { status: 'SUCCEEDED', total: 2, succeeded: 2 },
    ]);
    await second.close();
  });
});
