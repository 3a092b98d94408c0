import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordKind } from '../sfn/stateStore';
import { type Finding, moveAsideCommand } from './findings';

/** Every kind of small record the file store keeps, one folder each (local/sfn/stateStore.ts). */
const RECORD_KINDS = ['activities', 'task-tokens', 'map-runs'] as const satisfies readonly RecordKind[];

/**
 * Activities, task tokens and map runs are one JSON file per record with no second copy anywhere: a damaged
 * one refuses the start (today it would stop it with "Unexpected end of JSON input", naming no file), with the
 * command that moves it aside; the rest of the data is untouched.
 */
export function checkRecordFiles(stepFunctionsDir: string, suffix: string): Finding[] {
  return RECORD_KINDS.flatMap((kind) => {
    const dir = join(stepFunctionsDir, kind);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((name): Finding[] => {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      try {
        JSON.parse(text);
        return [];
      } catch (err) {
        return [
          {
            file,
            found: `not JSON (${(err as Error).message}, ${text.length} bytes)`,
            action: `refused to start: no other copy of this ${kind} record exists`,
            command: moveAsideCommand(file, suffix),
          },
        ];
      }
    });
  });
}
