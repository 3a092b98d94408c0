import { parseArgs } from 'node:util';
import { BOOT_PROFILES, DEFAULT_BOOT, parseBoot } from './boot';
import { LIMIT_SETS } from './limits';
import { formatReport } from './report';
import { runScenario } from './scenario';

const USAGE = `npm run sim -- [--lessons N] [--spread-minutes M] [--boot apt|baked|p50,p99] [--limits published|raised]
                 [--duration-minutes D] [--no-show SHARE] [--seed S] [--json] [--quiet]`;

function number(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`--${name} must be a number in [${min}, ${max}]; got ${text}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      lessons: { type: 'string' },
      'spread-minutes': { type: 'string' },
      boot: { type: 'string' },
      limits: { type: 'string' },
      'duration-minutes': { type: 'string' },
      'no-show': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      `${USAGE}\n  boot profiles: ${Object.keys(BOOT_PROFILES).join(', ')} (default ${DEFAULT_BOOT.name})`,
    );
    return;
  }
  const limitsName = values.limits ?? 'published';
  const limits = LIMIT_SETS[limitsName];
  if (!limits) throw new Error(`--limits must be ${Object.keys(LIMIT_SETS).join(' or ')}; got ${limitsName}`);
  const report = await runScenario({
    lessons: number('lessons', values.lessons, 1000, 1, 100_000),
    spreadMinutes: number('spread-minutes', values['spread-minutes'], 0, 0, 24 * 60),
    durationMinutes: number('duration-minutes', values['duration-minutes'], 60, 15, 480),
    noShowShare: number('no-show', values['no-show'], 0.1, 0, 1),
    seed: number('seed', values.seed, 1, 0, 2 ** 32 - 1),
    boot: values.boot ? parseBoot(values.boot) : DEFAULT_BOOT,
    limits,
    limitsName,
    onProgress: values.quiet || values.json ? undefined : (line) => console.error(line),
  });
  console.log(values.json ? JSON.stringify(report) : formatReport(report));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.error(USAGE);
  process.exit(1);
});
