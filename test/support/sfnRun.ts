import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ROLE, type LocalSfn } from './localSfn';

let counter = 0;

/** Creates a machine through the SDK, runs one execution to its end and answers how it ended. */
export async function runMachine(local: LocalSfn, definition: object, input: unknown = {}) {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({
      name: `m${++counter}-${Date.now()}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  const { executionArn } = await local.sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  await local.engine.whenSettled(executionArn!);
  const done: DescribeExecutionCommandOutput = await local.sfn.send(
    new DescribeExecutionCommand({ executionArn }),
  );
  const history = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return {
    status: done.status,
    output: done.output === undefined ? undefined : (JSON.parse(done.output) as unknown),
    error: done.error,
    cause: done.cause,
    events: history.events ?? [],
  };
}
