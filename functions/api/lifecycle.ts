import { StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { MeetingRecord } from '../shared/meeting';
import { lifecycleInput } from './booking';
import type { ApiConfig } from './deps';

/**
 * Starts the execution of a meeting's current revision. Same name and same input: Step Functions answers with
 * the execution it already has, so a retried booking starts nothing twice.
 */
export async function startLifecycle(
  sfn: SFNClient,
  config: ApiConfig,
  record: MeetingRecord,
): Promise<string> {
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: config.stateMachineArn,
      name: record.executionName,
      input: JSON.stringify(lifecycleInput(record, config.timings)),
    }),
  );
  if (!started.executionArn) throw new Error('StartExecution answered no executionArn');
  return started.executionArn;
}

/** Stops an execution (cancel, reschedule); one that no longer exists is already stopped. */
export async function stopLifecycle(
  sfn: SFNClient,
  executionArn: string | undefined,
  error: string,
  cause: string,
): Promise<void> {
  if (!executionArn) return;
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
  } catch (err) {
    if ((err as Error).name !== 'ExecutionDoesNotExist') throw err;
  }
}
