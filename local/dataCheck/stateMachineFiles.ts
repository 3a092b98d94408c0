import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { StateMachineRecord } from '../sfn/records';
import { type Finding, moveAsideCommand } from './findings';

const SavedMachine = z.object({
  stateMachineArn: z.string(),
  name: z.string(),
  definition: z.string(),
  roleArn: z.string(),
  type: z.enum(['STANDARD', 'EXPRESS']),
  creationDate: z.number(),
});

/**
 * Each state machine is one JSON file (local/sfn/stateStore.ts). The stack's own machine is written from
 * statemachine/meeting.asl.json at every start anyway, so a damaged copy is moved aside and rewritten from it;
 * its executions keep their ARN (it is made of the name). A damaged file of any other machine (one created
 * through the API) has no second copy: the stack refuses, naming the command that moves it aside.
 */
export function checkStateMachineFiles(dir: string, own: StateMachineRecord, suffix: string): Finding[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const findings: Finding[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    let problem: string | undefined;
    try {
      const parsed = SavedMachine.safeParse(JSON.parse(text));
      if (!parsed.success)
        problem = `not a state machine record (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`;
    } catch (err) {
      problem = `not JSON (${(err as Error).message}, ${text.length} bytes)`;
    }
    if (!problem) continue;
    if (name === `${own.name}.json`) {
      renameSync(file, file + suffix);
      writeFileSync(file, JSON.stringify(own));
      findings.push({
        file,
        found: problem,
        action: `moved aside to ${file + suffix}; restored from statemachine/meeting.asl.json`,
      });
    } else {
      findings.push({
        file,
        found: problem,
        action: 'refused to start: no other copy of this state machine exists',
        command: moveAsideCommand(file, suffix),
      });
    }
  }
  return findings;
}
