/**
 * The plain records the local Step Functions keeps: what the registry holds, what the state store saves and
 * loads. No behaviour here, so the engine and the stores both import this file and not each other.
 */
import type { HistoryEvent } from './history';

export type StateMachineType = 'STANDARD' | 'EXPRESS';

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: StateMachineType;
  creationDate: number;
  /** Set by UpdateStateMachine. */
  updateDate?: number;
  description?: string;
  tags?: Record<string, string>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Where an execution goes on after a Wait: the state to start the next segment from, its input, and when. */
export interface Checkpoint {
  /** The state after the Wait, or null when the Wait ends the machine (the execution succeeds after it). */
  state: string | null;
  input: unknown;
  notBefore: number;
  waitState?: string;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  /** The `#TestCase` suffix of the ARN StartExecution was called with, if any (Step Functions Local mocks). */
  testCase?: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  checkpoint?: Checkpoint;
  /** Invocations so far per task state, so mocked responses follow "0", "1-2"… as Step Functions Local does. */
  invocations: Record<string, number>;
  /** How many history events the execution has; the events themselves live in the state store. */
  eventCount: number;
}

export type { HistoryEvent };
