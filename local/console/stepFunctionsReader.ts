import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
  type StateMachineListItem,
} from '@aws-sdk/client-sfn';

/** What the console reads from Step Functions: only public API calls, so any endpoint works. */
export class StepFunctionsReader {
  constructor(private readonly sfn: SFNClient) {}

  describeExecution(executionArn: string) {
    return this.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  describeStateMachine(stateMachineArn: string) {
    return this.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  /** Every execution of a machine (newest first, as ListExecutions answers), up to `max`. */
  async executions(
    stateMachineArn: string,
    statusFilter?: ExecutionStatus,
    max = 1000,
  ): Promise<ExecutionListItem[]> {
    const out: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 100 }),
      );
      out.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken && out.length < max);
    return out.slice(0, max);
  }

  async stateMachines(): Promise<StateMachineListItem[]> {
    const out: StateMachineListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new ListStateMachinesCommand({ nextToken, maxResults: 100 }));
      out.push(...(page.stateMachines ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }
}
