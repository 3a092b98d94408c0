import { ClassicLevel } from 'classic-level';
import { cpSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Finding, moveAsideCommand } from './findings';

/**
 * dynalite keeps DynamoDB's data in LevelDB (`level` → classic-level: CURRENT names the MANIFEST, which lists
 * the *.ldb tables; recent writes sit in a *.log until compacted). LevelDB's own recovery is quiet about loss:
 * a damaged CURRENT or MANIFEST makes open fail ("Corruption: …", which dynalite turns into "Database is
 * closed"), while a damaged *.log has its bad records dropped with only a line in LevelDB's info file `LOG`
 * ("…: dropping N bytes; Corruption: …", db_impl.cc RecoverLogFile), and an emptied or cut-short *.log is read
 * as if the process had died there. This opens the folder before dynalite does and reads every entry once:
 *
 * - open fails with corruption, or a table cannot be read: the folder is copied aside and rebuilt with
 *   LevelDB's RepairDB (ClassicLevel.repair: rescans every *.log and *.ldb, writes a new MANIFEST);
 * - the recovery dropped bytes: named here (what was lost is found by the cross-check with the executions);
 * - still unreadable after the repair: refuses, with the command that moves the folder aside.
 *
 * An emptied or cut-short *.log leaves no trace in LevelDB at all: only the cross-check (crossCheck.ts) sees it.
 */
export async function checkLevelDb(dir: string, suffix: string): Promise<Finding[]> {
  // A folder with files but no CURRENT is damaged too: opened as is, LevelDB would start an empty database.
  if (listing(dir).length === 0) return [];
  const first = await readAll(dir);
  if (first.ok) return dropped(dir);
  if (first.locked)
    throw new Error(
      `${dir} is in use by another process (another local stack on the same DATA_DIR?): ${first.error}`,
    );
  const copy = dir + suffix;
  cpSync(dir, copy, { recursive: true });
  await ClassicLevel.repair(dir);
  const second = await readAll(dir);
  // A damaged table RepairDB cannot read is left out of the rebuilt database: nothing left at all means the
  // data is gone (starting would create an empty table). The folder is put back as found, so every start
  // refuses until it is moved aside, rather than the next one starting over an empty repair.
  if (!second.ok || second.entries === 0) {
    rmSync(dir, { recursive: true, force: true });
    renameSync(copy, dir);
    return [
      {
        file: dir,
        found: `LevelDB cannot read it (${first.error}); ${second.ok ? 'RepairDB recovered nothing' : `not even after RepairDB (${second.error})`}`,
        action: 'refused to start; left as found',
        command: moveAsideCommand(dir, suffix),
      },
    ];
  }
  return [
    {
      file: dir,
      found: `LevelDB could not read it: ${first.error}`,
      action: `repaired with LevelDB's RepairDB (${second.entries} entries readable); a copy as found is at ${copy}`,
    },
    ...dropped(dir),
  ];
}

type ReadResult = { ok: true; entries: number } | { ok: false; locked: boolean; error: string };

async function readAll(dir: string): Promise<ReadResult> {
  const db = new ClassicLevel<string, string>(dir, { createIfMissing: false });
  try {
    await db.open();
    let entries = 0;
    for await (const [key, value] of db.iterator()) if (key !== undefined && value !== undefined) entries++;
    return { ok: true, entries };
  } catch (err) {
    const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
    return {
      ok: false,
      locked: cause?.code === 'LEVEL_LOCKED',
      error: cause?.message ?? (err as Error).message,
    };
  } finally {
    await db.close().catch(() => undefined);
  }
}

/** The "dropping N bytes" lines LevelDB's recovery wrote to its info log during the open above. */
function dropped(dir: string): Finding[] {
  let log: string;
  try {
    log = readFileSync(join(dir, 'LOG'), 'utf8');
  } catch {
    return [];
  }
  const byFile = new Map<string, { bytes: number; reasons: Set<string> }>();
  for (const [, file, bytes, reason] of log.matchAll(/(\S+): dropping (\d+) bytes; (.*)$/gm)) {
    const seen = byFile.get(file) ?? { bytes: 0, reasons: new Set<string>() };
    seen.bytes += Number(bytes);
    seen.reasons.add(reason);
    byFile.set(file, seen);
  }
  return [...byFile].map(([file, { bytes, reasons }]) => ({
    file,
    found: `${bytes} damaged bytes (${[...reasons].join('; ')})`,
    action:
      'skipped by LevelDB while reading it: the writes they held are gone (the cross-check below names any meeting that lost)',
  }));
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
