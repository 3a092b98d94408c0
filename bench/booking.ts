/**
 * Booking under load: POST /meetings at 200 requests/s over 20 connections (autocannon, in a child process)
 * against the local stack's API (startLocalStack: the API handler, dynalite, StartExecution over HTTP). The
 * plain side is the same stack with a plain aws-local-stepfunctions endpoint behind it (plainSfnApi.ts).
 * Run in memory (dataDir null) and on disk (a data folder, as `npm start`: dynalite on disk and, for the
 * engine, the file store).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../local/stack';
import type { LoadResult } from './bookingLoad';
import { startPlainSfnApi } from './plainSfnApi';
import { benchStackOptions, benchTasks } from './sides';
import { fmtMs, heading, ratio, table, target, untilIdle } from './stats';

const RATE = 200;
const CONNECTIONS = 20;

function load(apiUrl: string, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(__dirname, 'bookingLoad.ts'),
      [apiUrl, `${RATE}`, `${CONNECTIONS}`, `${seconds}`],
      {
        execArgv: ['--import', 'tsx'],
      },
    );
    let result: LoadResult | undefined;
    child.on('message', (m) => (result = m as LoadResult));
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load generator exited with ${code} and no result`)),
    );
  });
}

async function measureBooking(side: 'plain' | 'engine', onDisk: boolean, seconds: number) {
  const dataDir = onDisk ? mkdtempSync(join(tmpdir(), 'bench-stack-')) : null;
  const plain = side === 'plain' ? await startPlainSfnApi(benchTasks()) : undefined;
  const stack = await startLocalStack({
    ...benchStackOptions(dataDir),
    externalSfnEndpoint: plain?.url,
  });
  try {
    // A short warm-up (JIT, dynalite's first writes, keep-alive connections) that is not measured.
    await load(stack.apiUrl, 2);
    await untilIdle();
    const result = await load(stack.apiUrl, seconds);
    // Requests still in flight when the load stopped finish before dynalite closes under them.
    await untilIdle();
    return result;
  } finally {
    await stack.close();
    await plain?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchBooking(scale: number): Promise<void> {
  const seconds = Math.max(5, Math.round(30 * scale));
  heading(`Booking under load: POST /meetings, ${RATE} req/s, ${CONNECTIONS} connections, ${seconds} s`);
  const rows: string[][] = [];
  for (const onDisk of [false, true]) {
    const where = onDisk ? 'on disk (as npm start)' : 'in memory';
    const plain = await measureBooking('plain', onDisk, seconds);
    const engine = await measureBooking('engine', onDisk, seconds);
    for (const [label, r] of [
      ['plain aws-local-stepfunctions', plain],
      ['local engine', engine],
    ] as const) {
      const isEngine = r === engine;
      const errors = r.errors + r.non2xx;
      rows.push([
        where,
        label,
        `${(r.requests / r.seconds).toFixed(0)}/s`,
        fmtMs(r.latency.p50),
        fmtMs(r.latency.p99),
        fmtMs(r.latency.max),
        `${errors}${r.non2xx ? ` (${JSON.stringify(r.statuses)})` : ''}`,
        isEngine ? ratio(r.latency.p99, plain.latency.p99) : '',
        isEngine ? target(r.latency.p99, 50, 'p99 < 50 ms') : '',
      ]);
    }
  }
  console.log(
    table(['data', 'side', 'served', 'p50', 'p99', 'max', 'errors', 'p99 vs plain', 'notes'], rows),
  );
}
