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
import { createHash } from 'node:crypto';
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
  /**
   * Small records of other kinds (activities, task tokens, map runs: see opsState.ts), one per key, replaced
   * whole; `loadRecords` answers every record of a kind saved so far.
   */
  saveRecord(kind: RecordKind, key: string, record: unknown): void;
  deleteRecord(kind: RecordKind, key: string): void;
  loadRecords<T>(kind: RecordKind): T[];
}

/** The kinds of small records saveRecord keeps (each a folder of the file store). */
export type RecordKind = 'activities' | 'task-tokens' | 'map-runs';

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
  private readonly records = new Map<string, Map<string, unknown>>();
  saveRecord(kind: RecordKind, key: string, record: unknown): void {
    const records = this.records.get(kind) ?? new Map<string, unknown>();
    records.set(key, structuredClone(record));
    this.records.set(kind, records);
  }
  deleteRecord(kind: RecordKind, key: string): void {
    this.records.get(kind)?.delete(key);
  }
  loadRecords<T>(kind: RecordKind): T[] {
    return structuredClone([...(this.records.get(kind)?.values() ?? [])]) as T[];
  }
}

/**
 * A folder on disk. State machines are one JSON file each, replaced atomically (write + rename). Executions
 * live in one append-only journal, `executions.jsonl`: every change appends the whole record as a line, the
 * last line of a record wins. Appending is cheap (no rename per change) and a restart reads one file instead
 * of one per execution (100,000 pending meetings load in a couple of seconds). A line cut short by a crash is
 * skipped: its record's previous line still stands. The journal is compacted (rewritten with one line per
 * record, then renamed over the old one) when it loads with more superseded lines than live ones.
 *
 * Histories are appended to a few JSON-lines files under `history/` (an execution's events always go to the same
 * one, each line tagged with its execution ARN) and read only by GetExecutionHistory, which scans that one file;
 * events past the saved event count (written by a segment a crash interrupted, which runs again) are ignored.
 *
 * Writes leave the event loop free: journal and history lines go through append streams (in order, batched by
 * Node.js); a history read includes what is not written yet. Thousands of executions waking at once thus cost
 * their CPU, not thousands of blocking disk writes. Only StartExecution writes synchronously (durable).
 */
export class FileStateStore implements StateStore {
  private readonly journal: string;
  private journalStream?: ReturnType<typeof createWriteStream>;
  private readonly shards: Array<
    | {
        file: string;
        stream: ReturnType<typeof createWriteStream>;
        unwritten: Array<{ arn: string; events: HistoryEvent[] }>;
      }
    | undefined
  > = [];
  private writes = 0;
  private readonly drained: Array<() => void> = [];

  /**
   * `onDamage` hears of every line load() could not read (the stack's start-up check names them, issue 22);
   * a line cut short at the end is what a crash leaves, one in the middle is damage from outside.
   */
  constructor(
    private readonly dir: string,
    private readonly onDamage?: (file: string, found: string, action: string) => void,
  ) {
    this.journal = join(dir, 'executions.jsonl');
  }

  async flush(): Promise<void> {
    if (this.writes > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    const streams = this.shards.splice(0).flatMap((shard) => (shard ? [shard.stream] : []));
    await Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.end(() => resolve()))));
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
    const damaged: number[] = [];
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
        // A line cut short by a crash (or damaged): its record's previous line, if any, still stands.
        damaged.push(lines);
      }
    }
    // Folders of one file per execution, from earlier versions of this store, are read once and folded in.
    const legacy = this.readAll<ExecutionRecord>('executions');
    for (const e of legacy) if (!byArn.has(e.executionArn)) byArn.set(e.executionArn, e);
    const executions = [...byArn.values()];
    // A torn last line (no newline) is rewritten away too, or the next append would be glued onto it.
    const torn = text.length > 0 && !text.endsWith('\n');
    if (damaged.length > 0)
      this.onDamage?.(
        this.journal,
        `${damaged.length} unreadable line(s) of ${lines} (line ${damaged.slice(0, 5).join(', ')}${damaged.length > 5 ? ', …' : ''})`,
        `repaired: skipped (each record's previous line stands; the file is rewritten without them)`,
      );
    if (legacy.length > 0 || torn || damaged.length > 0 || lines > 2 * executions.length)
      this.compact(executions);
    if (legacy.length > 0) rmSync(join(this.dir, 'executions'), { recursive: true, force: true });
    return { stateMachines: this.readAll<StateMachineRecord>('state-machines'), executions };
  }

  saveStateMachine(machine: StateMachineRecord): void {
    this.write('state-machines', machine.name, machine);
  }

  deleteStateMachine(machine: StateMachineRecord): void {
    rmSync(join(this.dir, 'state-machines', `${machine.name}.json`), { force: true });
  }

  // One small file per record, replaced atomically; keys (ARNs, tokens) are made file-name safe.
  saveRecord(kind: RecordKind, key: string, record: unknown): void {
    this.write(kind, recordFile(key), record);
  }
  deleteRecord(kind: RecordKind, key: string): void {
    rmSync(join(this.dir, kind, `${recordFile(key)}.json`), { force: true });
  }
  loadRecords<T>(kind: RecordKind): T[] {
    return this.readAll<T>(kind);
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
      const stream = createWriteStream(this.journal, { flags: 'a' });
      // A failed stream (ENOSPC) is dropped, so the next change opens a new one instead of being lost on a
      // destroyed stream; the record's earlier line stands on disk until then.
      stream.on('error', (err) => {
        console.error('local Step Functions: journal write failed', err);
        if (this.journalStream === stream) this.journalStream = undefined;
      });
      this.journalStream = stream;
    }
    this.journalStream.write(`${JSON.stringify(execution)}\n`);
  }

  appendHistory(execution: ExecutionRecord, events: HistoryEvent[], options?: { durable?: boolean }): void {
    const shard = this.shardOf(execution.executionArn);
    const text = events.map((e) => `${JSON.stringify({ a: execution.executionArn, ...e })}\n`).join('');
    if (options?.durable) {
      appendFileSync(shard.file, text);
      return;
    }
    // Kept in memory until the stream has written them, so a read right now still sees them.
    const entry = { arn: execution.executionArn, events };
    shard.unwritten.push(entry);
    this.writes++;
    shard.stream.write(text, () => {
      shard.unwritten.splice(shard.unwritten.indexOf(entry), 1);
      if (--this.writes === 0) for (const resolve of this.drained.splice(0)) resolve();
    });
  }

  /** History lines go to one of a few files by execution, each written through an append stream. */
  private shardOf(executionArn: string) {
    let hash = 2166136261;
    for (let i = 0; i < executionArn.length; i++)
      hash = Math.imul(hash ^ executionArn.charCodeAt(i), 16777619);
    const n = (hash >>> 0) % HISTORY_SHARDS;
    let shard = this.shards[n];
    if (!shard) {
      mkdirSync(join(this.dir, 'history'), { recursive: true });
      const file = join(this.dir, 'history', `${String(n).padStart(2, '0')}.jsonl`);
      const stream = createWriteStream(file, { flags: 'a' });
      // As the journal's: a failed stream is dropped, the next events open a new one.
      stream.on('error', (err) => {
        console.error('local Step Functions: history write failed', err);
        if (this.shards[n]?.stream === stream) this.shards[n] = undefined;
      });
      shard = this.shards[n] = { file, stream, unwritten: [] };
    }
    return shard;
  }

  readHistory(execution: ExecutionRecord): HistoryEvent[] {
    const shard = this.shardOf(execution.executionArn);
    let text = '';
    try {
      text = readFileSync(shard.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const prefix = `{"a":${JSON.stringify(execution.executionArn)},`;
    const events: HistoryEvent[] = [];
    for (let at = text.indexOf(prefix); at !== -1; at = text.indexOf(prefix, at + 1)) {
      if (at > 0 && text[at - 1] !== '\n') continue;
      const end = text.indexOf('\n', at);
      try {
        const event = JSON.parse(text.slice(at, end === -1 ? undefined : end)) as HistoryEvent;
        delete event.a;
        events.push(event);
      } catch {
        // A line cut short by a crash: its segment ran again and wrote the events anew.
      }
    }
    // Not written yet (possibly being written right now: latest() keeps one of each id).
    for (const u of shard.unwritten) if (u.arn === execution.executionArn) events.push(...u.events);
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

/** A record's key as a file name: a hash, since ARNs and task tokens hold ':' and may pass 255 bytes. */
const recordFile = (key: string) => createHash('sha256').update(key).digest('hex');

/** How many files histories are spread over: a GetExecutionHistory reads 1/64 of all histories. */
const HISTORY_SHARDS = 64;

/** Events 1…count, the last written version of each (a re-run segment rewrites the ids it had written). */
function latest(events: HistoryEvent[], count: number): HistoryEvent[] {
  const byId = new Array<HistoryEvent | undefined>(count);
  for (const e of events) if (e.id >= 1 && e.id <= count) byId[e.id - 1] = e;
  return byId.filter((e): e is HistoryEvent => e !== undefined);
}
