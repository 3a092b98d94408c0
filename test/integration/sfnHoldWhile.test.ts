import { ROLE, startLocalSfn, type LocalSfn, until } from '../support/localSfn';

// Issue 22, finding 3: while the local stack's data disk is full its executions wait instead of running
// tasks whose writes would be refused (and failing their meetings); they go on once space returns.

let local: LocalSfn;
let held = true;

beforeAll(async () => {
  local = await startLocalSfn({ waitScale: 0.01, holdWhile: () => held });
});
afterAll(() => local.close());

test('an execution held by holdWhile does not advance, and runs to its end once released', async () => {
  const machine = local.engine.createStateMachine({
    name: 'held',
    roleArn: ROLE,
    definition: JSON.stringify({
      StartAt: 'Wait',
      States: { Wait: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
    }),
  });
  const { executionArn } = local.engine.startExecution({ stateMachineArn: machine.stateMachineArn });
  await new Promise((r) => setTimeout(r, 1500));
  expect(local.engine.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING', eventCount: 1 }); // ExecutionStarted only;

  held = false;
  await until(() => local.engine.describeExecution(executionArn).status === 'SUCCEEDED', 5000);
});
