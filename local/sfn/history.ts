/** One GetExecutionHistory event, shaped as AWS answers it (dates as epoch seconds on the wire). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

const json = (v: unknown) => JSON.stringify(v ?? null);

/** Appends AWS-named history events (ExecutionStarted, TaskStateEntered, LambdaFunctionScheduled…). */
export class HistoryRecorder {
  constructor(
    private readonly events: HistoryEvent[],
    private readonly now: () => number,
  ) {}

  private add(type: string, details: Record<string, unknown> = {}): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: this.now(), type, ...details });
  }

  executionStarted(input: string, roleArn: string) {
    this.add('ExecutionStarted', { executionStartedEventDetails: { input, roleArn } });
  }
  executionSucceeded(output: string) {
    this.add('ExecutionSucceeded', { executionSucceededEventDetails: { output } });
  }
  executionFailed(error: string, cause: string) {
    this.add('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
  }
  executionAborted(error?: string, cause?: string) {
    this.add('ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
  }
  stateEntered(name: string, type: string, input: unknown) {
    this.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: json(input) } });
  }
  stateExited(name: string, type: string, output: unknown) {
    // Fail states have no exit event in AWS; the execution fails instead.
    if (type === 'Fail') return;
    this.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: json(output) } });
  }
  lambdaScheduled(resource: string, input: unknown) {
    this.add('LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: { resource, input: json(input) },
    });
  }
  lambdaStarted() {
    this.add('LambdaFunctionStarted');
  }
  lambdaSucceeded(output: unknown) {
    this.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output) } });
  }
  lambdaFailed(error: string, cause: string) {
    this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } });
  }
}
