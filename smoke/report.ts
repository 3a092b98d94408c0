import type { PhasePassed, SmokeReport } from './runSmoke';

/** `✓ healthy     12:04:31Z  +211.4 s  the server answered …`: the time since booking is each phase's timing. */
export function phaseLine(p: PhasePassed, bookedAt: Date): string {
  const since = ((p.at.getTime() - bookedAt.getTime()) / 1000).toFixed(1);
  const clock = p.at.toISOString().slice(11, 19);
  return `✓ ${p.phase.padEnd(10)}  ${clock}Z  +${since.padStart(6)} s  ${p.detail}`;
}

/** The last lines: PASSED, or FAILED naming the phase, the reason and where to look (the execution's console). */
export function summary(report: SmokeReport): string[] {
  const lines: string[] = [];
  if (report.ok) {
    lines.push(`smoke test PASSED: ${report.passed.map((p) => p.phase).join(' → ')}`);
  } else {
    const f = report.failure!;
    lines.push(`smoke test FAILED in phase "${f.phase}": ${f.reason}`);
  }
  if (report.consoleUrl) lines.push(`execution: ${report.consoleUrl}`);
  if (report.executionArn) lines.push(`execution ARN: ${report.executionArn}`);
  for (const c of report.cleanup) lines.push(`cleanup: ${c}`);
  return lines;
}
