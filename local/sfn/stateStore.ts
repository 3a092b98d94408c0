import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExecutionRecord, StateMachineRecord } from './engine';

export interface SavedState {
  stateMachines: StateMachineRecord[];
  executions: ExecutionRecord[];
}

/** Where the local Step Functions keeps its state machines and executions. */
export interface StateStore {
  load(): Promise<SavedState>;
  /** Called after every change; may write later, but flush() must write what was saved. */
  save(state: SavedState): void;
  flush(): Promise<void>;
}

export class MemoryStateStore implements StateStore {
  private state: SavedState = { stateMachines: [], executions: [] };
  async load() {
    return structuredClone(this.state);
  }
  save(state: SavedState) {
    // A reference, not a copy: load() copies, and copying everything on every change made saves O(n).
    this.state = state;
  }
  async flush() {}
}

/**
 * One JSON file, replaced atomically (write + rename) on every change, so a process killed at any moment
 * leaves either the old or the new file, never half of one.
 */
export class FileStateStore implements StateStore {
  constructor(private readonly path: string) {}

  async load(): Promise<SavedState> {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as SavedState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stateMachines: [], executions: [] };
      throw err;
    }
  }

  save(state: SavedState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.path);
  }

  async flush(): Promise<void> {}
}
