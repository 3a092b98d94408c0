import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseCase, type ConformanceCase } from './caseSchema';
import { runCase, type CaseOutcome } from './runCase';

/** A suite: one directory of case files. Bad files are kept by name, with why, and never stop the run. */
export interface Suite {
  name: string;
  cases: ConformanceCase[];
  badFiles: Array<{ file: string; reason: string }>;
}

export function loadSuite(dir: string): Suite {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const suite: Suite = { name: basename(dir), cases: [], badFiles: [] };
  for (const file of files) {
    try {
      suite.cases.push(parseCase(JSON.parse(readFileSync(join(dir, file), 'utf8'))));
    } catch (err) {
      suite.badFiles.push({ file, reason: (err as Error).message });
    }
  }
  return suite;
}

export interface SuiteResult {
  name: string;
  outcomes: CaseOutcome[];
  badFiles: Suite['badFiles'];
  cases: number;
  excluded: number;
  passed: number;
  eventsRecorded: number;
  eventsEqual: number;
}

export async function runSuite(suite: Suite, onCase?: (o: CaseOutcome) => void): Promise<SuiteResult> {
  const outcomes: CaseOutcome[] = [];
  for (const c of suite.cases) {
    const o = await runCase(c);
    outcomes.push(o);
    onCase?.(o);
  }
  const ran = outcomes.filter((o) => !o.excluded);
  return {
    name: suite.name,
    outcomes,
    badFiles: suite.badFiles,
    cases: outcomes.length,
    excluded: outcomes.length - ran.length,
    passed: ran.filter((o) => o.passed).length,
    eventsRecorded: ran.filter((o) => o.events).length,
    eventsEqual: ran.filter((o) => o.events?.equal).length,
  };
}

const pct = (n: number, of: number) => (of === 0 ? 'n/a' : `${((100 * n) / of).toFixed(1)} %`);

/** The report: the figures per suite, then every failure (and every differing event sequence) on one line. */
export function formatResult(r: SuiteResult): string {
  const ran = r.cases - r.excluded;
  const lines = [
    `suite ${r.name}: ${r.cases} cases, ${r.excluded} need a real AWS service (excluded), ` +
      `${r.passed}/${ran} passed (${pct(r.passed, ran)}); ` +
      `event sequences equal ${r.eventsEqual}/${r.eventsRecorded} recorded (${pct(r.eventsEqual, r.eventsRecorded)})`,
  ];
  for (const b of r.badFiles) lines.push(`  BAD FILE ${b.file}: ${b.reason}`);
  for (const o of r.outcomes) {
    if (o.excluded) continue;
    if (!o.passed) lines.push(`  FAIL ${o.id}: ${o.differences.join(' | ')}`);
    if (o.events && !o.events.equal) lines.push(`  EVENTS ${o.id}: ${o.events.difference}`);
  }
  return lines.join('\n');
}
