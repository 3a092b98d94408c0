/**
 * `npm run smoke -- --api <url> [--token …] [--join] [--sfn-endpoint …] [--region …]`: one short meeting through
 * a real deployment (or `npm start`), followed phase by phase. Exit 0 passed, 1 a phase failed, 2 bad
 * arguments, 130 / 143 interrupted (SIGINT / SIGTERM; a second signal exits at once, without the cleanup).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseSmokeArgs, UsageError, USAGE, type SmokeOptions } from './args';
import { MeetingsApi, type ApiAuth } from './meetingsApi';
import { phaseLine, summary } from './report';
import { RoomVisitor, loadChromium } from './roomVisitor';
import { runSmoke } from './runSmoke';

/** The local stack's Step Functions and API take any credentials (local/dynamo.ts uses the same pair). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const isLoopback = (url: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(new URL(url).hostname);

/**
 * The region for Step Functions and SigV4: the flag, else the API's own host (`<id>.execute-api.<region>.
 * amazonaws.com`), else the AWS SDK's environment, else us-east-1 for a local stack; a custom domain needs it.
 */
function regionFor(opts: SmokeOptions): string {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(
    new URL(opts.api).hostname,
  )?.[1];
  const region = opts.region ?? fromHost ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region) return region;
  if (isLoopback(opts.api)) return 'us-east-1';
  throw new UsageError(`--region is required: it cannot be read from the API host ${new URL(opts.api).host}`);
}

async function main(): Promise<number> {
  let opts: SmokeOptions | 'help';
  let region: string;
  try {
    opts = parseSmokeArgs(process.argv.slice(2));
    if (opts === 'help') {
      console.log(USAGE);
      return 0;
    }
    region = regionFor(opts);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`smoke: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  const localSfn = opts.sfnEndpoint !== undefined && isLoopback(opts.sfnEndpoint);
  const sfn = new SFNClient({
    region,
    endpoint: opts.sfnEndpoint,
    ...(localSfn ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
  // Loopback is `npm start`, which has no authorizer; anything else is API Gateway (README, "API").
  const auth: ApiAuth = opts.token
    ? { kind: 'bearer', token: opts.token }
    : isLoopback(opts.api)
      ? { kind: 'none' }
      : { kind: 'sigv4', region, credentials: () => sfn.config.credentials() };
  const api = new MeetingsApi(opts.api, auth);

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(signal === 'SIGINT' ? 130 : 143);
    signalled = signal;
    console.error(`smoke: ${signal}: cancelling the meeting and cleaning up (again to exit at once)`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const launchChromium = opts.join ? await loadChromium() : undefined;
  const visitor = launchChromium
    ? new RoomVisitor(launchChromium(), { acceptStagingCertificate: opts.staging })
    : undefined;
  console.log(
    `smoke test: ${opts.api}, a ${opts.durationMinutes}-minute meeting starting in ${opts.startInMs / 1000} s${opts.join ? ', joined from Chromium' : ', nobody joining (expect NO_SHOW)'}`,
  );
  try {
    const report = await runSmoke(opts, {
      api,
      sfn,
      visitor,
      signal: controller.signal,
      onPhase: (p, bookedAt) => console.log(phaseLine(p, bookedAt)),
    });
    for (const line of summary(report)) (report.ok ? console.log : console.error)(line);
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    return report.ok ? 0 : 1;
  } finally {
    await visitor?.close();
    sfn.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`smoke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
