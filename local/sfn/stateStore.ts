import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord, HistoryEvent, StateMachineRecord } from './records';

export interface SavedState {
  stateMachines: StateMachineRecord[];
  executions: ExecutionRecord[];
}

/**
 * Where the local Step Functions keeps its state machines, executions and their histories. The engine saves
 * the one record that changed, so a change costs the size of that record, not of everything ever run; a
 * history is appended to, and read only when GetExecutionHistory asks for it.
 */
export interface StateStore {
  load(): Promise<SavedState>;
  saveStateMachine(machine: StateMachineRecord): void;
  deleteStateMachine(machine: StateMachineRecord): void;
  saveExecution(execution: ExecutionRecord): void;
  /** Appends events; called before saveExecution records the new event count. */
  appendHistory(execution: ExecutionRecord, events: HistoryEvent[]): void;
  /** The execution's events 1…eventCount. */
  readHistory(execution: ExecutionRecord): HistoryEvent[];
}

export class MemoryStateStore implements StateStore {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly histories = new Map<string, HistoryEvent[]>();

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
  deleteStateMachine(machine: StateMachineRecord): void {
    this.machines.delete(machine.stateMachineArn);
  }
  saveExecution(execution: ExecutionRecord): void {
    this.executions.set(execution.executionArn, execution);
  }
  appendHistory(execution: ExecutionRecord, events: HistoryEvent[]): void {
    const history = this.histories.get(execution.executionArn) ?? [];
    history.push(...events);
    this.histories.set(execution.executionArn, history);
  }
  readHistory(execution: ExecutionRecord): HistoryEvent[] {
    return latest(this.histories.get(execution.executionArn) ?? [], execution.eventCount);
  }
}

/**
 * A folder with one JSON file per state machine and per execution, each replaced atomically (write + rename)
 * when it changes: a process killed at any moment leaves the old or the new file, never half of one. Each
 * execution's history is a JSON-lines file beside it, appended to; events past the saved event count (written
 * by a segment the crash interrupted, which runs again) are ignored when read.
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

  deleteStateMachine(machine: StateMachineRecord): void {
    rmSync(join(this.dir, 'state-machines', `${machine.name}.json`), { force: true });
  }

  saveExecution(execution: ExecutionRecord): void {
    this.write('executions', fileName(execution), execution);
  }

  appendHistory(execution: ExecutionRecord, events: HistoryEvent[]): void {
    const dir = join(this.dir, 'history');
    mkdirSync(dir, { recursive: true });
    appendFileSync(
      join(dir, `${fileName(execution)}.jsonl`),
      events.map((e) => `${JSON.stringify(e)}\n`).join(''),
    );
  }

  readHistory(execution: ExecutionRecord): HistoryEvent[] {
    let text: string;
    try {
      text = readFileSync(join(this.dir, 'history', `${fileName(execution)}.jsonl`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const events: HistoryEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as HistoryEvent);
      } catch {
        // A line cut short by a crash: its segment ran again and wrote the events anew.
      }
    }
    return latest(events, execution.eventCount);
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

// Names are [A-Za-z0-9_-] (checked by the engine), so machine + execution name is a safe, unique file name.
const fileName = (e: ExecutionRecord) => `${e.stateMachineArn.split(':').pop()}.${e.name}`;

/** Events 1…count, the last written version of each (a re-run segment rewrites the ids it had written). */
function latest(events: HistoryEvent[], count: number): HistoryEvent[] {
  const byId = new Array<HistoryEvent | undefined>(count);
  for (const e of events) if (e.id >= 1 && e.id <= count) byId[e.id - 1] = e;
  return byId.filter((e): e is HistoryEvent => e !== undefined);
}
