/**
 * `npm run bench`: figures for the local stack, printed, never asserted (speed targets live here, not in tests).
 *   1. Booking: POST /meetings through the local HTTP API (validation, dynalite put, StartExecution over HTTP).
 *   2. The local Step Functions engine: short executions start → end, with a task in-process.
 *   3. Memory held per waiting execution (a meeting waiting for its launch time).
 */
import '../local/polyfills';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../local/sfn/engine';
import { FileStateStore, MemoryStateStore } from '../local/sfn/stateStore';
import { startLocalStack } from '../local/stack';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function benchBooking(n: number) {
  const stack = await startLocalStack({
    dataDir: null,
    timings: {
      leadSeconds: 600,
      attendanceCheckDelaySeconds: 900,
      healthIntervalSeconds: 15,
      healthMaxAttempts: 40,
      occupancyIntervalSeconds: 300,
      overrunStepSeconds: 300,
      maxOverrunSeconds: 900,
      minDurationMinutes: 15,
      maxDaysAhead: 364,
      recordRetentionDays: 90,
    },
    bootDelayMs: 0,
    maxLifetimeMs: 60_000,
  });
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${stack.apiUrl}/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        teacherName: 'Ada',
        studentName: `Student ${i}`,
        startTime: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    });
    if (res.status !== 201) throw new Error(`booking answered ${res.status}`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `booking (local API, sequential, n=${n}): ${(n / seconds).toFixed(0)} req/s, p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, max ${ms(Math.max(...latencies))}`,
  );
  await stack.close();
}

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:noop';
const quick = JSON.stringify({
  StartAt: 'Task',
  States: {
    Task: { Type: 'Task', Resource: FN, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});

async function benchEngine(n: number, durable: boolean) {
  const store = durable ? new FileStateStore(mkdtempSync(join(tmpdir(), 'bench-'))) : new MemoryStateStore();
  const engine = new LocalStepFunctions({
    region: 'us-east-1',
    account: '000000000000',
    store,
    functions: { [FN]: async () => ({ ok: true }) },
  });
  await engine.start();
  const { stateMachineArn } = engine.createStateMachine({ name: 'quick', definition: quick, roleArn: 'r' });
  const durations: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = performance.now();
      const e = engine.startExecution({ stateMachineArn, name: `e-${i}` });
      await engine.whenSettled(e.executionArn);
      durations.push(performance.now() - t);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `engine (${durable ? 'file store' : 'memory store'}, ${n} concurrent short executions): ${(n / seconds).toFixed(0)} executions/s, p50 ${ms(pct(durations, 50))}, p95 ${ms(pct(durations, 95))}`,
  );
  await engine.close();
}

async function benchWaitingMemory(n: number) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const engine = new LocalStepFunctions({
    region: 'us-east-1',
    account: '000000000000',
    store: new MemoryStateStore(),
    functions: { [FN]: async () => ({}) },
  });
  await engine.start();
  const def = JSON.stringify({
    StartAt: 'W',
    States: {
      W: { Type: 'Wait', TimestampPath: '$.at', Next: 'Task' },
      Task: { Type: 'Task', Resource: FN, End: true },
    },
  });
  const { stateMachineArn } = engine.createStateMachine({ name: 'waiting', definition: def, roleArn: 'r' });
  const at = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (let i = 0; i < n; i++)
    engine.startExecution({
      stateMachineArn,
      name: `w-${i}`,
      input: JSON.stringify({ at, meetingId: `m-${i}` }),
    });
  await new Promise((r) => setTimeout(r, 200));
  globalThis.gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(
    `memory: ${n} executions waiting 30 days hold ${((after - before) / 1024 / 1024).toFixed(1)} MiB of heap (${((after - before) / n / 1024).toFixed(1)} KiB each)${globalThis.gc ? '' : ' (without --expose-gc: rough)'}`,
  );
  await engine.close();
}

async function main() {
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  await benchBooking(Number(process.env.BENCH_BOOKINGS ?? 200));
  await benchEngine(Number(process.env.BENCH_EXECUTIONS ?? 500), false);
  await benchEngine(Number(process.env.BENCH_EXECUTIONS ?? 500), true);
  await benchWaitingMemory(Number(process.env.BENCH_WAITING ?? 2000));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
