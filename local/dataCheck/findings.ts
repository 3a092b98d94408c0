/**
 * What the start-up check of the local stack's data found, file by file, and what it did about it. A finding
 * with `command` means the stack refused to start: nothing it could do would keep the data whole, and the
 * command moves the damaged file aside so the next start can go on knowingly (issue 22).
 */
export interface Finding {
  /** The damaged file or folder, as a path. */
  file: string;
  found: string;
  /** What the check did: repaired, restored from another store, or why it refuses. */
  action: string;
  /** Set when the stack refuses to start: the exact command that moves the damaged file aside. */
  command?: string;
}

/** The stack refuses to start over damaged data; the message names every file and the command for each. */
export class DamagedDataError extends Error {
  constructor(readonly findings: Finding[]) {
    super(
      `The local stack's data is damaged; not starting over it.\n${formatFindings(findings)}\n` +
        'Run the command(s) above to move the damaged data aside (nothing is deleted), then start again.',
    );
    this.name = 'DamagedDataError';
  }
}

export function formatFindings(findings: Finding[]): string {
  return findings
    .map(
      (f) =>
        `  ${f.file}\n    found: ${f.found}\n    did:   ${f.action}${f.command ? `\n    run:   ${f.command}` : ''}`,
    )
    .join('\n');
}

/** A suffix for files moved aside, unique per start and sorting by time. */
export function damagedSuffix(now: Date): string {
  return `.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
}

/** The shell command that moves `path` aside (quoted, so a data folder with spaces works as printed). */
export function moveAsideCommand(path: string, suffix: string): string {
  return `mv ${quote(path)} ${quote(path + suffix)}`;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
