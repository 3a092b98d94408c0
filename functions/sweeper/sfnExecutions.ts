import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { LifecycleExecutions } from './reconcile';

/**
 * The sweeper's view of the lifecycle's executions through the Step Functions API. ListExecutions pages hold
 * up to 1,000 (maxResults; default 100), so 10,000 waiting lessons cost 10 calls a sweep rather than 10,000
 * DescribeExecution.
 */
export function sfnExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  restart?: LifecycleExecutions['restart'],
): LifecycleExecutions {
  return {
    stateMachineArn,
    restart,
    async listRunning() {
      const all: { executionArn: string; name: string }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: 'RUNNING',
            maxResults: 1000,
            nextToken,
          }),
        );
        for (const e of page.executions ?? [])
          if (e.executionArn && e.name) all.push({ executionArn: e.executionArn, name: e.name });
        nextToken = page.nextToken;
      } while (nextToken);
      return all;
    },
    async status(executionArn) {
      try {
        return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
      } catch (err) {
        if ((err as Error).name === 'ExecutionDoesNotExist') return 'MISSING';
        throw err;
      }
    },
    async stop(executionArn, error, cause) {
      try {
        await sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
      } catch (err) {
        // Ended meanwhile: nothing left to stop.
        if ((err as Error).name !== 'ExecutionDoesNotExist') throw err;
      }
    },
  };
}
