import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord, StateMachineRecord } from './engine';

export interface SavedState {
  stateMachines: StateMachineRecord[];
  executions: ExecutionRecord[];
}

/**
 * Where the local Step Functions keeps its state machines and executions. The engine saves the one record
 * that changed, so a change costs the size of that record, not of everything ever run.
 */
export interface StateStore {
  load(): Promise<SavedState>;
  saveStateMachine(machine: StateMachineRecord): void;
  saveExecution(execution: ExecutionRecord): void;
}

export class MemoryStateStore implements StateStore {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();

  async load(): Promise<SavedState> {
    return structuredClone({
      stateMachines: [...this.machines.values()],
      executions: [...this.executions.values()],
    });
  }
  // References, not copies: load() copies, and the engine owns the records between loads.
  saveStateMachine(machine: StateMachineRecord): void {
    this.machines.set(machine.stateMachineArn, machine);
  }
  saveExecution(execution: ExecutionRecord): void {
    this.executions.set(execution.executionArn, execution);
  }
}

/**
 * A folder with one JSON file per state machine and per execution, each replaced atomically (write + rename)
 * when it changes: a process killed at any moment leaves the old or the new file, never half of one.
 */
export class FileStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  async load(): Promise<SavedState> {
    return {
      stateMachines: this.readAll<StateMachineRecord>('state-machines'),
      executions: this.readAll<ExecutionRecord>('executions'),
    };
  }

  saveStateMachine(machine: StateMachineRecord): void {
    this.write('state-machines', machine.name, machine);
  }

  saveExecution(execution: ExecutionRecord): void {
    // Names are [A-Za-z0-9_-] (checked by the engine), so machine + execution name is a safe, unique file name.
    const machine = execution.stateMachineArn.split(':').pop();
    this.write('executions', `${machine}.${execution.name}`, execution);
  }

  private write(kind: string, name: string, record: unknown): void {
    const dir = join(this.dir, kind);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
  }

  private readAll<T>(kind: string): T[] {
    let names: string[];
    try {
      names = readdirSync(join(this.dir, kind));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // Leftover *.tmp files are writes a crash interrupted: their record's previous file is still there.
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(readFileSync(join(this.dir, kind, n), 'utf8')) as T);
  }
}
