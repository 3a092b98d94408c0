import { appendFile } from 'node:fs/promises';
import {
  appendFileSync,
  createWriteStream,
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
  /** `durable`: on disk when this returns (StartExecution acknowledges only what a crash cannot lose). */
  saveExecution(execution: ExecutionRecord, options?: { durable?: boolean }): void;
  /** Appends events; called before saveExecution records the new event count. */
  appendHistory(execution: ExecutionRecord, events: HistoryEvent[], options?: { durable?: boolean }): void;
  /** The execution's events 1…eventCount. */
  readHistory(execution: ExecutionRecord): HistoryEvent[];
  /** Resolves when everything saved so far is on disk (writes are queued, in order, off the event loop). */
  flush(): Promise<void>;
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
  async flush(): Promise<void> {}
}

/**
 * A folder on disk. State machines are one JSON file each, replaced atomically (write + rename). Executions
 * live in one append-only journal, `executions.jsonl`: every change appends the whole record as a line, the
 * last line of a record wins. Appending is cheap (no rename per change) and a restart reads one file instead
 * of one per execution (100,000 pending meetings load in a couple of seconds). A line cut short by a crash is
 * skipped: its record's previous line still stands. The journal is compacted (rewritten with one line per
 * record, then renamed over the old one) when it loads with more superseded lines than live ones.
 *
 * Each execution's history is a JSON-lines file of its own under `history/`, appended to and read only by
 * GetExecutionHistory; events past the saved event count (written by a segment a crash interrupted, which
 * runs again) are ignored when read.
 *
 * Writes leave the event loop free: journal lines go through one append stream (in order), history events
 * are queued per execution and appended asynchronously; a history read includes what is still queued. A
 * thousand executions waking at once thus cost their CPU, not thousands of blocking disk writes.
 */
export class FileStateStore implements StateStore {
  private readonly journal: string;
  private journalStream?: ReturnType<typeof createWriteStream>;
  private historyDirReady = false;
  /** History events not yet on disk, per history file, in order; and the write in progress per file. */
  private readonly pendingHistory = new Map<string, HistoryEvent[]>();
  private readonly inflightHistory = new Map<string, HistoryEvent[]>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {
    this.journal = join(dir, 'executions.jsonl');
  }

  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
    const stream = this.journalStream;
    if (stream) {
      this.journalStream = undefined;
      await new Promise<void>((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  async load(): Promise<SavedState> {
    const byArn = new Map<string, ExecutionRecord>();
    let lines = 0;
    let text = '';
    try {
      text = readFileSync(this.journal, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (let at = 0; at < text.length;) {
      let end = text.indexOf('\n', at);
      if (end === -1) end = text.length;
      const line = text.slice(at, end);
      at = end + 1;
      if (!line) continue;
      lines++;
      try {
        const e = JSON.parse(line) as ExecutionRecord;
        byArn.set(e.executionArn, e);
      } catch {
        // A line cut short by a crash.
      }
    }
    // Folders of one file per execution, from earlier versions of this store, are read once and folded in.
    const legacy = this.readAll<ExecutionRecord>('executions');
    for (const e of legacy) if (!byArn.has(e.executionArn)) byArn.set(e.executionArn, e);
    const executions = [...byArn.values()];
    // A torn last line (no newline) is rewritten away too, or the next append would be glued onto it.
    const torn = text.length > 0 && !text.endsWith('\n');
    if (legacy.length > 0 || torn || lines > 2 * executions.length) this.compact(executions);
    if (legacy.length > 0) rmSync(join(this.dir, 'executions'), { recursive: true, force: true });
    return { stateMachines: this.readAll<StateMachineRecord>('state-machines'), executions };
  }

  saveStateMachine(machine: StateMachineRecord): void {
    this.write('state-machines', machine.name, machine);
  }

  deleteStateMachine(machine: StateMachineRecord): void {
    rmSync(join(this.dir, 'state-machines', `${machine.name}.json`), { force: true });
  }

  saveExecution(execution: ExecutionRecord, options?: { durable?: boolean }): void {
    if (options?.durable) {
      // Only for a record's first line: later lines of the same record go through the stream, after it.
      mkdirSync(this.dir, { recursive: true });
      appendFileSync(this.journal, `${JSON.stringify(execution)}\n`);
      return;
    }
    if (!this.journalStream) {
      mkdirSync(this.dir, { recursive: true });
      this.journalStream = createWriteStream(this.journal, { flags: 'a' });
      this.journalStream.on('error', (err) =>
        console.error('local Step Functions: journal write failed', err),
      );
    }
    this.journalStream.write(`${JSON.stringify(execution)}\n`);
  }

  appendHistory(execution: ExecutionRecord, events: HistoryEvent[], options?: { durable?: boolean }): void {
    const file = this.historyFile(execution);
    if (options?.durable && !this.writing.has(file)) {
      this.ensureHistoryDir();
      appendFileSync(file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      return;
    }
    const pending = this.pendingHistory.get(file);
    if (pending) pending.push(...events);
    else this.pendingHistory.set(file, [...events]);
    if (!this.writing.has(file)) this.writeHistory(file);
  }

  /** Appends what is queued for `file`, then again if more came meanwhile; one write at a time per file. */
  private writeHistory(file: string): void {
    const events = this.pendingHistory.get(file);
    this.inflightHistory.delete(file);
    if (!events) {
      this.writing.delete(file);
      return;
    }
    this.pendingHistory.delete(file);
    this.inflightHistory.set(file, events);
    this.ensureHistoryDir();
    const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
    const done = appendFile(file, text)
      .catch((err: unknown) => console.error('local Step Functions: history write failed', err))
      .then(() => this.writeHistory(file));
    this.writing.set(file, done);
  }

  private ensureHistoryDir(): void {
    if (this.historyDirReady) return;
    mkdirSync(join(this.dir, 'history'), { recursive: true });
    this.historyDirReady = true;
  }

  private historyFile(execution: ExecutionRecord): string {
    return join(this.dir, 'history', `${fileName(execution)}.jsonl`);
  }

  readHistory(execution: ExecutionRecord): HistoryEvent[] {
    const file = this.historyFile(execution);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
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
    // Still queued (possibly being written right now: latest() keeps one of each id).
    events.push(...(this.inflightHistory.get(file) ?? []), ...(this.pendingHistory.get(file) ?? []));
    return latest(events, execution.eventCount);
  }

  private compact(executions: ExecutionRecord[]): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.journal}.${process.pid}.tmp`;
    writeFileSync(tmp, executions.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(tmp, this.journal);
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
