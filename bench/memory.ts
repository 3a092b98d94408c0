/**
 * Memory per pending meeting (heap and RSS after a full GC, one fresh process per measurement), at two
 * stages — waiting for launch, and after the launch segment — and the restart of the local stack (as
 * `npm start` restarts) on the data folder those meetings left. `heap-profile` says which objects hold it.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PopulateResult, RestartResult, Stage } from './memoryChild';
import { SIDE_LABEL, type SideKind } from './sides';
import { fmtBytes, fmtMs, heading, ratio, scaled, table, target } from './stats';

const STAGES: Record<Stage, string> = {
  waiting: 'waiting for launch',
  afterLaunch: 'after its launch segment',
};

/**
 * Plain and the file store `npm start` uses. The memory store holds the same records (its map points at the
 * engine's own), and each side costs minutes at 100,000 meetings on these machines.
 */
const MEMORY_SIDES: readonly SideKind[] = ['plain', 'engine-file'];

function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = fork(join(__dirname, 'memoryChild.ts'), args, {
      execArgv: ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx'],
    });
    let result: T | undefined;
    proc.on('message', (m) => (result = m as T));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`memoryChild ${args.join(' ')} exited with ${code}`)),
    );
  });
}

export async function benchMemory(scale: number): Promise<void> {
  const n = scaled(100_000, scale, 1_000);
  heading(`Memory per pending meeting, at ${n} pending meetings (after a full GC; fresh process each)`);
  const rows: string[][] = [];
  const dataDirs: Partial<Record<Stage, string>> = {};
  try {
    for (const stage of Object.keys(STAGES) as Stage[]) {
      dataDirs[stage] = mkdtempSync(join(tmpdir(), `bench-memory-${stage}-`));
      let plain: PopulateResult | undefined;
      for (const kind of MEMORY_SIDES) {
        const dir = kind === 'engine-file' ? join(dataDirs[stage]!, 'stepfunctions') : undefined;
        const r = await child<PopulateResult>(['populate', kind, stage, `${n}`, ...(dir ? [dir] : [])]);
        console.log(`  ${STAGES[stage]}, ${SIDE_LABEL[kind]}: ${fmtBytes(r.heapPerMeeting)} heap/meeting`);
        if (kind === 'plain') plain = r;
        rows.push([
          STAGES[stage],
          SIDE_LABEL[kind],
          fmtBytes(r.heapPerMeeting),
          fmtBytes(r.rssPerMeeting),
          `${r.seconds.toFixed(1)} s`,
          kind === 'plain' ? '' : ratio(r.heapPerMeeting, plain!.heapPerMeeting),
          [
            kind === 'plain' ? '' : target(r.heapPerMeeting, 2048, '< 2 KiB heap'),
            r.short ? `${r.short} did not reach the stage` : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]);
      }
    }
    console.log();
    console.log(
      table(['stage', 'side', 'heap/meeting', 'RSS/meeting', 'time to fill', 'heap vs plain', 'notes'], rows),
    );

    heading(`Restart of the local stack (startLocalStack, file store) with ${n} pending meetings`);
    const restartRows: string[][] = [];
    for (const stage of Object.keys(STAGES) as Stage[]) {
      const r = await child<RestartResult>(['restart', `${n}`, dataDirs[stage]!]);
      restartRows.push([
        STAGES[stage],
        fmtMs(r.seconds * 1000),
        `${r.running} / ${r.n}`,
        fmtBytes(r.heapPerMeeting),
        fmtBytes(r.rssPerMeeting),
        [target(r.seconds, 10, 'restart < 10 s'), target(r.heapPerMeeting, 2048, '< 2 KiB heap')].join('; '),
      ]);
    }
    console.log(
      table(['meetings', 'restart', 'RUNNING again', 'heap/meeting', 'RSS/meeting', 'notes'], restartRows),
    );
    console.log('(plain aws-local-stepfunctions keeps nothing across a restart: no figure to compare)');
  } finally {
    for (const dir of Object.values(dataDirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Which objects the heap per meeting is made of (self sizes gained per meeting, largest kinds first). */
export async function benchHeapProfile(scale: number): Promise<void> {
  const n = scaled(10_000, scale, 500);
  heading(`Heap profile: objects gained per pending meeting (${n} meetings, heap snapshots before/after)`);
  for (const kind of ['engine-file', 'plain'] as const) {
    for (const stage of Object.keys(STAGES) as Stage[]) {
      const dir = kind === 'engine-file' ? mkdtempSync(join(tmpdir(), 'bench-profile-')) : undefined;
      try {
        const r = await child<PopulateResult>(['profile', kind, stage, `${n}`, ...(dir ? [dir] : [])]);
        const history = r.history
          ? `; its record holds ${r.history.events.toFixed(1)} history events, ${fmtBytes(r.history.jsonBytes)} as JSON`
          : '';
        console.log(
          `\n${SIDE_LABEL[kind]}, ${STAGES[stage]}: ${fmtBytes(r.heapPerMeeting)} heap/meeting${history}`,
        );
        console.log(
          table(
            ['kind of object', 'count/meeting', 'bytes/meeting'],
            (r.growth ?? []).map((g) => [g.kind, g.countPerMeeting.toFixed(1), fmtBytes(g.bytesPerMeeting)]),
          ),
        );
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
