import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
  TestStateCommand,
  UntagResourceCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { awsStepFunctions } from '../support/awsCli';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

const ECHO = fnArn('echo');
const passing = (result: unknown) =>
  JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
const waiting = JSON.stringify({
  StartAt: 'W',
  States: { W: { Type: 'Wait', Seconds: 3600, Next: 'P' }, P: { Type: 'Pass', Result: 'old', End: true } },
});
const ARN = 'arn:aws:states:us-east-1:000000000000';

describe('Step Functions operations, through @aws-sdk/client-sfn', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({ functions: { [ECHO]: async (input) => input } });
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);

  test('UpdateStateMachine: new executions run the new definition, running ones keep theirs', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({ name: 'updated', definition: waiting, roleArn: ROLE }),
    );
    const { executionArn: before } = await send(
      new StartExecutionCommand({ stateMachineArn, name: 'before' }),
    );
    const updated = await send(
      new UpdateStateMachineCommand({ stateMachineArn, definition: passing('new'), roleArn: `${ROLE}2` }),
    );
    expect(updated.updateDate).toBeInstanceOf(Date);
    expect(updated.revisionId).toEqual(expect.any(String));
    const described = await send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(described).toMatchObject({
      definition: passing('new'),
      roleArn: `${ROLE}2`,
      revisionId: updated.revisionId,
    });
    expect(await send(new DescribeStateMachineForExecutionCommand({ executionArn: before }))).toMatchObject({
      definition: waiting,
      roleArn: ROLE,
    });
    const { executionArn: after } = await send(new StartExecutionCommand({ stateMachineArn, name: 'after' }));
    await local.engine.whenSettled(after!);
    expect(await send(new DescribeExecutionCommand({ executionArn: after }))).toMatchObject({
      status: 'SUCCEEDED',
      output: '"new"',
    });
    const forAfter = await send(new DescribeStateMachineForExecutionCommand({ executionArn: after }));
    expect(forAfter).toMatchObject({ definition: passing('new'), revisionId: updated.revisionId });
    expect(forAfter.updateDate).toBeInstanceOf(Date);
    await expect(send(new UpdateStateMachineCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'MissingRequiredParameter',
    });
    await expect(
      send(new UpdateStateMachineCommand({ stateMachineArn, definition: '{"StartAt":"X","States":{}}' })),
    ).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await send(new StopExecutionCommand({ executionArn: before }));
  });

  test('DeleteStateMachine: DELETING while an execution runs, gone when it ends; deleting twice is fine', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({ name: 'deleted', definition: waiting, roleArn: ROLE }),
    );
    const { executionArn } = await send(new StartExecutionCommand({ stateMachineArn }));
    await send(new DeleteStateMachineCommand({ stateMachineArn }));
    expect(await send(new DescribeStateMachineCommand({ stateMachineArn }))).toMatchObject({
      status: 'DELETING',
    });
    await expect(send(new StartExecutionCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'StateMachineDeleting',
    });
    await send(new StopExecutionCommand({ executionArn }));
    await expect(send(new DescribeStateMachineCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(send(new DeleteStateMachineCommand({ stateMachineArn }))).resolves.toBeDefined();
  });

  test('tags: on creation, TagResource, UntagResource, ListTagsForResource; unknown resource and too many tags', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({
        name: 'tagged',
        definition: passing(1),
        roleArn: ROLE,
        tags: [{ key: 'team', value: 'tutors' }],
      }),
    );
    await send(
      new TagResourceCommand({
        resourceArn: stateMachineArn,
        tags: [
          { key: 'env', value: 'local' },
          { key: 'team', value: 'ops' },
        ],
      }),
    );
    await send(new UntagResourceCommand({ resourceArn: stateMachineArn, tagKeys: ['env'] }));
    expect((await send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }))).tags).toEqual([
      { key: 'team', value: 'ops' },
    ]);
    await expect(
      send(new ListTagsForResourceCommand({ resourceArn: `${ARN}:stateMachine:nobody` })),
    ).rejects.toMatchObject({ name: 'ResourceNotFound' });
    const fiftyOne = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await expect(
      send(new TagResourceCommand({ resourceArn: stateMachineArn, tags: fiftyOne })),
    ).rejects.toMatchObject({
      name: 'TooManyTags',
    });
  });

  test('ValidateStateMachineDefinition answers OK, or FAIL with a diagnostic', async () => {
    expect(await send(new ValidateStateMachineDefinitionCommand({ definition: passing(1) }))).toMatchObject({
      result: 'OK',
      diagnostics: [],
    });
    const bad = await send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Nowhere' } } }),
      }),
    );
    expect(bad.result).toBe('FAIL');
    expect(bad.diagnostics?.[0]).toMatchObject({ severity: 'ERROR', code: expect.any(String) });
    expect(bad.diagnostics?.[0].message).toMatch(/Nowhere|MISSING_TRANSITION_TARGET|transition/i);
  });

  test('StartSyncExecution runs an EXPRESS machine to its end and answers its output; STANDARD is refused', async () => {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({
        name: 'express',
        type: 'EXPRESS',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Echo',
          States: { Echo: { Type: 'Task', Resource: ECHO, End: true } },
        }),
      }),
    );
    // StartSyncExecution's endpoint has a host prefix (sync-…) on AWS; a local endpoint needs it off.
    const sync = new SFNClient({
      endpoint: local.url,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      disableHostPrefix: true,
    });
    const out = await sync.send(new StartSyncExecutionCommand({ stateMachineArn, input: '{"x":1}' }));
    expect(out).toMatchObject({ status: 'SUCCEEDED', output: '{"x":1}', input: '{"x":1}', stateMachineArn });
    expect(out.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:express:/);
    expect(out.stopDate).toBeInstanceOf(Date);
    // Express executions are not recorded: AWS's DescribeExecution does not know them either.
    await expect(
      send(new DescribeExecutionCommand({ executionArn: out.executionArn })),
    ).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    const { stateMachineArn: standard } = await send(
      new CreateStateMachineCommand({ name: 'standard', definition: passing(1), roleArn: ROLE }),
    );
    await expect(
      sync.send(new StartSyncExecutionCommand({ stateMachineArn: standard })),
    ).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
    sync.destroy();
  });

  test('every list pages with maxResults and nextToken; a bad token is InvalidToken', async () => {
    for (let i = 0; i < 3; i++)
      await send(new CreateStateMachineCommand({ name: `page-${i}`, definition: passing(i), roleArn: ROLE }));
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
      expect(out.stateMachines!.length).toBeLessThanOrEqual(2);
      names.push(...out.stateMachines!.map((m) => m.name!));
      nextToken = out.nextToken;
    } while (nextToken);
    expect(names).toEqual(expect.arrayContaining(['page-0', 'page-1', 'page-2']));
    expect(new Set(names).size).toBe(names.length);

    const stateMachineArn = `${ARN}:stateMachine:page-0`;
    for (let i = 0; i < 3; i++) {
      const { executionArn } = await send(new StartExecutionCommand({ stateMachineArn, name: `run-${i}` }));
      await local.engine.whenSettled(executionArn!);
    }
    const first = await send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2 }));
    const second = await send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken: first.nextToken }),
    );
    expect([...first.executions!, ...second.executions!].map((e) => e.name).sort()).toEqual([
      'run-0',
      'run-1',
      'run-2',
    ]);
    expect(second.nextToken).toBeUndefined();

    const executionArn = `${ARN}:execution:page-0:run-0`;
    const h1 = await send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    const h2 = await send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken: h1.nextToken }),
    );
    expect([...h1.events!, ...h2.events!].map((e) => Number(e.id))).toEqual([1, 2, 3, 4]);
    await expect(send(new ListStateMachinesCommand({ nextToken: 'not-a-token' }))).rejects.toMatchObject({
      name: 'InvalidToken',
    });
  });

  test('TestState runs one state: its output and next state, a failure, a caught error', async () => {
    const pass = await send(
      new TestStateCommand({
        definition: JSON.stringify({
          Type: 'Pass',
          Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' },
          Next: 'After',
        }),
        input: '{"n":21}',
        roleArn: ROLE,
      }),
    );
    expect(pass).toMatchObject({ status: 'SUCCEEDED', output: '{"doubled":42}', nextState: 'After' });
    const choice = await send(
      new TestStateCommand({
        definition: JSON.stringify({
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }],
          Default: 'Small',
        }),
        input: '{"n":21}',
        roleArn: ROLE,
      }),
    );
    expect(choice).toMatchObject({ status: 'SUCCEEDED', nextState: 'Big' });
    expect(
      await send(
        new TestStateCommand({
          definition: JSON.stringify({ Type: 'Fail', Error: 'No', Cause: 'because' }),
          roleArn: ROLE,
        }),
      ),
    ).toMatchObject({ status: 'FAILED', error: 'No', cause: 'because' });
    const caught = await send(
      new TestStateCommand({
        definition: JSON.stringify({
          Type: 'Task',
          Resource: fnArn('missing'),
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
          End: true,
        }),
        roleArn: ROLE,
      }),
    );
    expect(caught).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Recover' });
    expect(JSON.parse(caught.output!).error.Error).toBe('Lambda.ResourceNotFoundException');
  });

  test('malformed ARNs answer InvalidArn, well-formed unknown ones *DoesNotExist', async () => {
    const cases: Array<[Promise<unknown>, string]> = [
      [send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' })), 'InvalidArn'],
      [send(new DescribeExecutionCommand({ executionArn: `${ARN}:stateMachine:x` })), 'InvalidArn'],
      [send(new StartExecutionCommand({ stateMachineArn: `${ARN}:execution:x:y` })), 'InvalidArn'],
      [
        send(
          new ListExecutionsCommand({ stateMachineArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }),
        ),
        'InvalidArn',
      ],
      [send(new GetExecutionHistoryCommand({ executionArn: 'garbage' })), 'InvalidArn'],
      [send(new DeleteStateMachineCommand({ stateMachineArn: 'garbage' })), 'InvalidArn'],
      [send(new TagResourceCommand({ resourceArn: 'garbage', tags: [] })), 'InvalidArn'],
      [
        send(new DescribeStateMachineCommand({ stateMachineArn: `${ARN}:stateMachine:nobody` })),
        'StateMachineDoesNotExist',
      ],
      [
        send(new DescribeExecutionCommand({ executionArn: `${ARN}:execution:nobody:none` })),
        'ExecutionDoesNotExist',
      ],
    ];
    for (const [call, name] of cases) await expect(call).rejects.toMatchObject({ name });
  });
});

describe('Step Functions operations, through the AWS CLI', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn();
  });
  afterAll(() => local.close());
  const aws = async (...args: string[]) => (await awsStepFunctions(local.url, args)).output;
  const awsFails = (...args: string[]) =>
    aws(...args).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );

  test('create, update, tag, validate, start, describe-for-execution, delete; InvalidArn', async () => {
    const { stateMachineArn } = (await aws(
      'create-state-machine',
      '--name',
      'cli',
      '--definition',
      passing('one'),
      '--role-arn',
      ROLE,
    )) as { stateMachineArn: string };
    await aws('update-state-machine', '--state-machine-arn', stateMachineArn, '--definition', passing('two'));
    await aws('tag-resource', '--resource-arn', stateMachineArn, '--tags', 'key=env,value=cli');
    expect(await aws('list-tags-for-resource', '--resource-arn', stateMachineArn)).toEqual({
      tags: [{ key: 'env', value: 'cli' }],
    });
    expect(await aws('validate-state-machine-definition', '--definition', passing(1))).toMatchObject({
      result: 'OK',
    });
    const { executionArn } = (await aws('start-execution', '--state-machine-arn', stateMachineArn)) as {
      executionArn: string;
    };
    await local.engine.whenSettled(executionArn);
    expect(await aws('describe-execution', '--execution-arn', executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"two"',
    });
    expect(await aws('describe-state-machine-for-execution', '--execution-arn', executionArn)).toMatchObject({
      definition: passing('two'),
    });
    const history = (await aws(
      'get-execution-history',
      '--execution-arn',
      executionArn,
      '--max-items',
      '2',
    )) as {
      events: unknown[];
      NextToken?: string;
    };
    expect(history.events).toHaveLength(2);
    expect(history.NextToken).toBeDefined();
    await aws('delete-state-machine', '--state-machine-arn', stateMachineArn);
    expect(await awsFails('describe-state-machine', '--state-machine-arn', stateMachineArn)).toContain(
      'StateMachineDoesNotExist',
    );
    expect(await awsFails('describe-execution', '--execution-arn', 'not-an-arn')).toContain('InvalidArn');
  }, 120_000);
});
