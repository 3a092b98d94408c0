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
  /** DELETING: DeleteStateMachine was called while executions still run; it goes when they end. */
  status?: 'ACTIVE' | 'DELETING';
  /** Set by UpdateStateMachine. */
  updateDate?: number;
  description?: string;
  tags?: Record<string, string>;
  /** Changes with every UpdateStateMachine; executions run the revision they started with. */
  revisionId?: string;
  /** Earlier revisions that executions may still run (UpdateStateMachine keeps them). */
  revisions?: Record<string, { definition: string; roleArn: string; updateDate: number }>;
  /** Published versions (PublishStateMachineVersion), oldest first, and the number the next one gets. */
  versions?: StateMachineVersion[];
  nextVersion?: number;
  /** Aliases (CreateStateMachineAlias): each routes executions to one or two versions by weight. */
  aliases?: StateMachineAlias[];
}

/** An immutable snapshot of one revision of a state machine. */
export interface StateMachineVersion {
  version: number;
  definition: string;
  roleArn: string;
  /** The machine's revision it was published from (absent: the machine's first definition). */
  revisionId?: string;
  description?: string;
  creationDate: number;
}

export interface StateMachineAlias {
  name: string;
  description?: string;
  routingConfiguration: Array<{ stateMachineVersionArn: string; weight: number }>;
  creationDate: number;
  updateDate?: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Where an execution goes on after a Wait: the state to start the next segment from, its input, and when. */
export interface Checkpoint {
  /** The state after the Wait, or null when the Wait ends the machine (the execution succeeds after it). */
  state: string | null;
  input: unknown;
  notBefore: number;
  waitState?: string;
  /** The execution's workflow variables (Assign) at the Wait, for the segments after it. */
  variables?: Record<string, unknown>;
  /** What the Wait assigned, for its WaitStateExited event (AWS's assignedVariables). */
  waitAssigned?: Record<string, string>;
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
  /** The machine's revision this execution runs (absent: the machine's first definition). */
  revisionId?: string;
  /** An EXPRESS execution started by StartSyncExecution: kept neither in the store nor in the lists. */
  express?: boolean;
  /** How many history events the execution has; the events themselves live in the state store. */
  eventCount: number;
  /** Started through a version or an alias ARN: the version it runs, and the alias that picked it. */
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  /** RedriveExecution: how many times, and when last. */
  redriveCount?: number;
  redriveDate?: number;
  /** The outputs of the iterations/branches that succeeded in the last run of a top-level inline Map or Parallel. */
  keptBranches?: KeptBranches;
}

/** What a redrive of a failed inline Map or Parallel does not run again (redriveBranches.ts). */
export interface KeptBranches {
  state: string;
  /** SHA-256 of the state's effective input: the outputs are reused only for the same input. */
  input: string;
  /** Output of each iteration or branch that succeeded, by its index. */
  results: Record<string, unknown>;
  /** Set by RedriveExecution when it goes on from `state`: its next run reuses `results`. */
  reuse?: boolean;
}

export type { HistoryEvent };
