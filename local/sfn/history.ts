/** One GetExecutionHistory event, shaped as AWS answers it (dates as epoch seconds on the wire). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** Where a recorder's events go: the state store appends them to the execution's history, out of the heap. */
export type HistorySink = (events: HistoryEvent[]) => void;

const json = (v: unknown) => JSON.stringify(v ?? null);

/**
 * Builds AWS-named history events (ExecutionStarted, TaskStateEntered, LambdaFunctionScheduled,
 * MapIterationStarted…) for one execution. Events are numbered from the execution's event count and kept in
 * a small buffer until flush(), which hands them to the state store: a segment writes its history once.
 */
export class HistoryRecorder {
  private buffer: HistoryEvent[] = [];

  constructor(
    private readonly execution: { eventCount: number },
    private readonly sink: HistorySink,
    private readonly now: () => number,
  ) {}

  flush(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.sink(events);
  }

  private add(type: string, details: Record<string, unknown> = {}): number {
    const id = ++this.execution.eventCount;
    // AWS links each event to the one before it, except the start of the chain: ExecutionStarted and the
    // first state's entered event both answer previousEventId 0.
    const previousEventId = id <= 2 ? 0 : id - 1;
    this.buffer.push({ id, previousEventId, timestamp: this.now(), type, ...details });
    return id;
  }

  executionStarted(input: string, roleArn: string) {
    this.add('ExecutionStarted', {
      executionStartedEventDetails: { input, inputDetails: { truncated: false }, roleArn },
    });
  }
  executionSucceeded(output: string) {
    this.add('ExecutionSucceeded', {
      executionSucceededEventDetails: { output, outputDetails: { truncated: false } },
    });
  }
  executionFailed(error?: string, cause?: string) {
    this.add('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
  }
  executionTimedOut(error: string, cause: string) {
    this.add('ExecutionTimedOut', { executionTimedOutEventDetails: { error, cause } });
  }
  executionAborted(error?: string, cause?: string) {
    this.add('ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
  }
  /** Answers the event's id (AWS names it in a state's runtime errors: "entered at the event id #2"). */
  stateEntered(name: string, type: string, input: unknown): number {
    return this.add(`${type}StateEntered`, {
      stateEnteredEventDetails: { name, input: json(input), inputDetails: { truncated: false } },
    });
  }
  /** A JSONata expression failed (API_EvaluationFailedEventDetails: state, error, cause, location). */
  evaluationFailed(state: string, error: string, cause: string, location?: string) {
    this.add('EvaluationFailed', { evaluationFailedEventDetails: { state, error, cause, location } });
  }
  stateExited(name: string, type: string, output: unknown, assignedVariables?: Record<string, string>) {
    // Fail states have no exit event in AWS; the execution fails instead.
    if (type === 'Fail') return;
    this.add(`${type}StateExited`, {
      stateExitedEventDetails: {
        name,
        output: json(output),
        outputDetails: { truncated: false },
        // Workflow variables the state assigned, each as JSON text (AWS's StateExitedEventDetails).
        ...(assignedVariables && { assignedVariables, assignedVariablesDetails: { truncated: false } }),
      },
    });
  }
  /** MapStateStarted (with the item count), ParallelStateStarted. */
  stateStarted(type: 'Map' | 'Parallel', length?: number) {
    if (type === 'Map') this.add('MapStateStarted', { mapStateStartedEventDetails: { length: length ?? 0 } });
    else this.add('ParallelStateStarted');
  }
  /** MapStateSucceeded / ParallelStateSucceeded, MapStateFailed / ParallelStateFailed. */
  stateOutcome(type: 'Map' | 'Parallel', outcome: 'Succeeded' | 'Failed' | 'Aborted') {
    this.add(`${type}State${outcome}`);
  }
  mapIteration(outcome: 'Started' | 'Succeeded' | 'Failed' | 'Aborted', name: string, index: number) {
    const key = `mapIteration${outcome}EventDetails`;
    this.add(`MapIteration${outcome}`, { [key]: { name, index } });
  }
  lambdaScheduled(resource: string, input: unknown, timeoutInSeconds?: number) {
    this.add('LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: {
        resource,
        input: json(input),
        inputDetails: { truncated: false },
        timeoutInSeconds,
      },
    });
  }
  lambdaStarted() {
    this.add('LambdaFunctionStarted');
  }
  lambdaSucceeded(output: unknown) {
    this.add('LambdaFunctionSucceeded', {
      lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: { truncated: false } },
    });
  }
  lambdaFailed(error: string, cause: string) {
    this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } });
  }
  /** Service integrations (arn:aws:states:::service:action): TaskScheduled, TaskStarted, TaskSucceeded/Failed. */
  taskScheduled(resource: string, region: string, parameters: unknown, timeoutInSeconds?: number) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType,
        resource: action,
        region,
        parameters: json(parameters),
        timeoutInSeconds,
      },
    });
  }
  taskStarted(resource: string) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskStarted', { taskStartedEventDetails: { resourceType, resource: action } });
  }
  taskSucceeded(resource: string, output: unknown) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskSucceeded', {
      taskSucceededEventDetails: {
        resourceType,
        resource: action,
        output: json(output),
        outputDetails: { truncated: false },
      },
    });
  }
  taskFailed(resource: string, error: string, cause: string) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskFailed', { taskFailedEventDetails: { resourceType, resource: action, error, cause } });
  }

  // Callbacks (.waitForTaskToken): TaskSubmitted when the integration answered, TaskTimedOut on a timeout.
  taskSubmitted(resource: string, output: unknown) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskSubmitted', {
      taskSubmittedEventDetails: {
        resourceType,
        resource: action,
        output: json(output),
        outputDetails: { truncated: false },
      },
    });
  }
  taskTimedOut(resource: string, error: string, cause: string) {
    const { resourceType, action } = splitResource(resource);
    this.add('TaskTimedOut', { taskTimedOutEventDetails: { resourceType, resource: action, error, cause } });
  }
  // Activity tasks: Scheduled, Started (a worker took it), Succeeded / Failed / TimedOut.
  activityScheduled(
    resource: string,
    input: unknown,
    timeoutInSeconds?: number,
    heartbeatInSeconds?: number,
  ) {
    this.add('ActivityScheduled', {
      activityScheduledEventDetails: {
        resource,
        input: json(input),
        inputDetails: { truncated: false },
        timeoutInSeconds,
        heartbeatInSeconds,
      },
    });
  }
  activityScheduleFailed(error: string, cause: string) {
    this.add('ActivityScheduleFailed', { activityScheduleFailedEventDetails: { error, cause } });
  }
  activityStarted(workerName?: string) {
    this.add('ActivityStarted', { activityStartedEventDetails: { workerName } });
  }
  activitySucceeded(output: string) {
    this.add('ActivitySucceeded', {
      activitySucceededEventDetails: { output, outputDetails: { truncated: false } },
    });
  }
  activityFailed(error?: string, cause?: string) {
    this.add('ActivityFailed', { activityFailedEventDetails: { error, cause } });
  }
  activityTimedOut(error: string, cause: string) {
    this.add('ActivityTimedOut', { activityTimedOutEventDetails: { error, cause } });
  }
  executionRedriven(redriveCount: number) {
    this.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount } });
  }
  mapRunStarted(mapRunArn: string) {
    this.add('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn } });
  }
  mapRunSucceeded() {
    this.add('MapRunSucceeded');
  }
  mapRunFailed(error?: string, cause?: string) {
    this.add('MapRunFailed', { mapRunFailedEventDetails: { error, cause } });
  }
}

/** `arn:aws:states:::dynamodb:putItem` → resourceType `dynamodb`, resource `putItem` (as AWS's events name them). */
export function splitResource(resource: string): { resourceType: string; action: string } {
  const m = /^arn:aws:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  return m ? { resourceType: m[1], action: m[2] } : { resourceType: 'unknown', action: resource };
}
