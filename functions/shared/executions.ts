import { executionNameFor } from './meeting';

/**
 * Execution ARNs and names of the meeting lifecycle, without the SDK. A standard execution's ARN is
 * arn:<partition>:states:<region>:<account>:execution:<stateMachineName>:<executionName> (Service Authorization
 * Reference, "Actions, resources, and condition keys for AWS Step Functions", resource type `execution`:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html), the same form
 * the sweeper's IAM policy names (infra/constructs/sweeper.ts) and the local engine mints (local/sfn/engine.ts).
 * Deriving it from the name means a request or the sweeper can stop a revision's execution without a record
 * that names its ARN (the record is written after StartExecution answers, and may lag behind a race).
 */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  }
  return [...parts.slice(0, 5), 'execution', parts[6], executionName].join(':');
}

/** The execution ARN of a meeting's revision. */
export const revisionExecutionArn = (stateMachineArn: string, meetingId: string, revision: number) =>
  executionArnFor(stateMachineArn, executionNameFor(meetingId, revision));

const EXECUTION_NAME =
  /^meeting-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-r([1-9]\d*))?$/;

/** The meeting and revision an execution name was made for (executionNameFor), or undefined for another name. */
export function parseExecutionName(name: string): { meetingId: string; revision: number } | undefined {
  const m = EXECUTION_NAME.exec(name);
  return m ? { meetingId: m[1], revision: m[2] ? Number(m[2]) : 0 } : undefined;
}
