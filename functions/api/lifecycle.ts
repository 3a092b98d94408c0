import { StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { revisionExecutionArn } from '../shared/executions';
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

/**
 * Stops the execution of one revision of a meeting, found by its name rather than by the record's
 * executionArn: a racing request may have committed that revision and not yet written (or even started) its
 * execution. The ARN the record names is stopped too when it is another one (a request that died between its
 * write and its stop). Stopped executions end ABORTED, which the "executions failed" alarm does not count.
 */
export async function stopRevision(
  sfn: SFNClient,
  config: ApiConfig,
  record: Pick<MeetingRecord, 'id' | 'revision' | 'executionArn'>,
  error: string,
  cause: string,
): Promise<void> {
  const named = revisionExecutionArn(config.stateMachineArn, record.id, record.revision);
  await stopLifecycle(sfn, named, error, cause);
  if (record.executionArn && record.executionArn !== named)
    await stopLifecycle(sfn, record.executionArn, error, cause);
}
