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
