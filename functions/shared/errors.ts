/**
 * Errors a task throws on purpose. Their `name` becomes the Lambda error type, which the state machine's
 * Retry and Catch fields match on, so names are part of the contract with statemachine/meeting.asl.json.
 */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The meeting is already finished or cancelled: a late task must not start anything. */
export const meetingClosed = (id: string, status: string) =>
  new TaskError('MeetingClosed', `meeting ${id} is ${status}; nothing to do`);

export const meetingNotFound = (id: string) =>
  new TaskError('MeetingNotFound', `meeting ${id} does not exist`);

/** Every instance type was out of capacity: worth a slow retry, then teardown. */
export const noCapacity = (types: string[]) =>
  new TaskError('NoCapacity', `no capacity for any of: ${types.join(', ')}`);

/** Bad input to a task is a bug in the state machine, never worth retrying. */
export const invalidTaskInput = (task: string, detail: string) =>
  new TaskError('InvalidTaskInput', `${task}: ${detail}`);

/**
 * The account's Running On-Demand Standard instances vCPU quota (Service Quotas code L-1216C47A) is used up:
 * EC2's error code `VcpuLimitExceeded` ("You have requested more vCPU capacity than your current vCPU limit …",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html). Every type this app launches
 * (c, m) counts against that one quota, so no fallback type helps; the state machine retries it slowly (servers
 * of lessons that end free vCPUs) and then fails the meeting with this reason.
 */
export const VCPU_QUOTA_CODE = 'L-1216C47A';
export const vcpuLimitExceeded = (instanceType: string, detail: string) =>
  new TaskError(
    'VcpuLimitExceeded',
    `On-Demand vCPU quota reached (Service Quotas ${VCPU_QUOTA_CODE}, Running On-Demand Standard instances) launching ${instanceType}: ${detail}`,
  );

/**
 * Error names that mean "an AWS rate limit said no": EC2 (RequestLimitExceeded), Route 53 (Throttling), most
 * other APIs (ThrottlingException, TooManyRequestsException) and Lambda's own concurrency
 * (Lambda.TooManyRequestsException: 1,000 concurrent executions per Region by default, lower for new accounts,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Retried by the state machine; once a task still fails with one of them
 * after its retries, the meeting fails with reason class `Throttled` (functions/shared/metrics.ts).
 */
export const THROTTLING_ERRORS: readonly string[] = [
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'Lambda.TooManyRequestsException',
];
export const isThrottling = (errorName: string | null | undefined): boolean =>
  Boolean(errorName && THROTTLING_ERRORS.includes(errorName));
