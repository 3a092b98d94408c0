import { parseArgs } from 'node:util';
import { z } from 'zod';

/** A bad command line: the message names the flag; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: npm run smoke -- --api <url> [options]

  --api <url>            the Meetings API (stack output ApiUrl; http://127.0.0.1:3000 for npm start)
  --token <jwt>          send "Authorization: Bearer <jwt>" (apiAuth=jwt; the token needs the jwtScope)
                         without it: SigV4 with the default AWS credentials (apiAuth=iam), none on loopback
  --join                 join the room from headless Chromium (/usr/bin/chromium) once it is ready
  --staging              the stack uses acmeDirectory=staging, whose Let's Encrypt staging root no browser
                         trusts: Chromium skips the certificate check (the health probe checks the chain)
  --sfn-endpoint <url>   Step Functions endpoint (default AWS's for the execution's region)
  --region <region>      region of Step Functions and SigV4 (default: the API host's, else AWS_REGION)
  --start-in <time>      book the meeting this far ahead, e.g. 7m or 90s (default 7m: past the 5-minute lead)
  --duration <minutes>   meeting length (default 15, the deployment's minimum)
  --grace <time>         how late a phase may be past the instant the meeting's times give it (default 5m)
  --poll <time>          pause between reads of the execution (default 5s)
  --help                 this text`;

/** `90s`, `7m`, `1h`, or plain seconds. */
const duration = (flag: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, `${flag} must be a duration like 90s, 7m or 1h`)
    .transform((v) => {
      const [, n, unit = 's'] = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v)!;
      return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
    });

const httpUrl = (flag: string) =>
  z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `${flag} must be an http(s) URL`)
    .transform((v) => v.replace(/\/+$/, ''));

/** One schema for the command line: every value validated once, each message naming its flag. */
export const SmokeArgs = z
  .object({
    api: httpUrl('--api'),
    token: z.string().min(1, '--token must not be empty').optional(),
    join: z.boolean().default(false),
    staging: z.boolean().default(false),
    'sfn-endpoint': httpUrl('--sfn-endpoint').optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, '--region must be an AWS region such as eu-central-1')
      .optional(),
    'start-in': duration('--start-in')
      .refine((ms) => ms >= 1000, '--start-in must be at least 1s')
      .default(7 * 60_000),
    duration: z.coerce
      .number({ error: '--duration must be a whole number of minutes' })
      .int('--duration must be a whole number of minutes')
      .min(1, '--duration must be at least 1')
      .max(480, '--duration must be at most 480')
      .default(15),
    grace: duration('--grace').default(5 * 60_000),
    poll: duration('--poll')
      .refine((ms) => ms >= 50, '--poll must be at least 50ms')
      .default(5000),
  })
  .strict();

export interface SmokeOptions {
  api: string;
  token?: string;
  join: boolean;
  staging: boolean;
  sfnEndpoint?: string;
  region?: string;
  startInMs: number;
  durationMinutes: number;
  graceMs: number;
  pollMs: number;
}

/** argv (without node and the script) → options, or a UsageError naming the flag; `help` when asked. */
export function parseSmokeArgs(argv: string[]): SmokeOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        api: { type: 'string' },
        token: { type: 'string' },
        join: { type: 'boolean' },
        staging: { type: 'boolean' },
        'sfn-endpoint': { type: 'string' },
        region: { type: 'string' },
        'start-in': { type: 'string' },
        duration: { type: 'string' },
        grace: { type: 'string' },
        poll: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    // node's own messages name the flag: "Unknown option '--jion'", "Option '--api <value>' argument missing".
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  delete values.help;
  const parsed = SmokeArgs.safeParse(values);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) =>
      // A missing required flag has no message of ours: name it here.
      values[String(i.path[0])] === undefined ? `--${i.path.join('.')} is required` : i.message,
    );
    throw new UsageError(issues.join('; '));
  }
  const a = parsed.data;
  return {
    api: a.api,
    token: a.token,
    join: a.join,
    staging: a.staging,
    sfnEndpoint: a['sfn-endpoint'],
    region: a.region,
    startInMs: a['start-in'],
    durationMinutes: a.duration,
    graceMs: a.grace,
    pollMs: a.poll,
  };
}
