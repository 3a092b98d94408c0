import { readFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import type { Finding } from './findings';

/** The shape local/fleet.ts saves: one entry per server process it knows. */
const SavedServers = z.array(
  z.object({
    meetingId: z.string(),
    instanceId: z.string(),
    pid: z.number().int(),
    port: z.number().int(),
    launchedAt: z.number(),
    state: z.enum(['starting', 'stopping']).optional(),
  }),
);

/**
 * fleet.json lists the stand-in servers a run left. Damaged, it is moved aside and the fleet opens from the
 * launch log instead: every stand-in appends its pid and port there itself once it listens (local/fleet.ts
 * adopts logged servers still alive), so no running server is forgotten. Only a server that had not said its
 * port yet is missed; it is stopped by nothing but its own lifetime limit, as on a lost EC2 tag.
 */
export function checkFleetFile(file: string, suffix: string): Finding[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let problem: string | undefined;
  try {
    const parsed = SavedServers.safeParse(JSON.parse(text));
    if (!parsed.success) problem = `not a list of servers (${parsed.error.issues[0]?.message})`;
  } catch (err) {
    problem = `not JSON (${(err as Error).message}, ${text.length} bytes)`;
  }
  if (!problem) return [];
  renameSync(file, file + suffix);
  return [
    {
      file,
      found: problem,
      action: `moved aside to ${file + suffix}; running servers restored from launches.log (each stand-in's own record)`,
    },
  ];
}
