import { statfsSync } from 'node:fs';

/**
 * Whether the filesystem holding the local data has room for more writes. LevelDB (under dynalite) must never
 * see ENOSPC: a failed log write crashes dynalite (it rethrows the LEVEL_IO_ERROR) and leaves a half-written
 * record in the log, and a failed compaction makes LevelDB refuse every later write until it is reopened. So
 * writes stop while less than `reserveBytes` is free (room for a memtable flush and a compaction), and start
 * again on their own once space returns. Checked at most every `cacheMs`, so a burst costs one statfs.
 */
export class DiskSpace {
  private checkedAt = -Infinity;
  private lastFull = false;

  constructor(
    private readonly dir: string,
    readonly reserveBytes: number,
    private readonly freeBytes: (dir: string) => number = (d) => {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    },
    private readonly now: () => number = Date.now,
    private readonly cacheMs = 200,
  ) {}

  full(): boolean {
    const now = this.now();
    if (now - this.checkedAt >= this.cacheMs) {
      this.checkedAt = now;
      try {
        this.lastFull = this.freeBytes(this.dir) < this.reserveBytes;
      } catch {
        // Not measurable (the folder is gone?): the write itself will say what is wrong.
        this.lastFull = false;
      }
    }
    return this.lastFull;
  }
}

/** Seconds a client is told to wait before retrying a write refused for lack of space. */
export const DISK_FULL_RETRY_AFTER_SECONDS = 10;
