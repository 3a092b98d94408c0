import type { Fleet } from './fleet';
import type { MeetingStore } from './store';
import { z } from 'zod';
import { invalidTaskInput } from './errors';

/** What every lifecycle task is given: the meetings table and the servers. */
export interface TaskDeps {
  store: MeetingStore;
  fleet: Fleet;
}

/** Parses a task's input with its schema; a mismatch is a bug in the state machine, named by field. */
export function parseTaskInput<T extends z.ZodType>(task: string, schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw invalidTaskInput(
      task,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}
