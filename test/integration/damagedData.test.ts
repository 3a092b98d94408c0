import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DamagedDataError } from '../../local/dataCheck/findings';
import type { LocalStack } from '../../local/stack';
import { api, book, inSeconds, startStack, tempDir, until } from './harness';

// Issue 22, finding 2: each file of the local stack's data, damaged as a careless hand or a crash would, is
// named at the next start with what was done about it; nothing starts silently empty over it.

const stacks: LocalStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(dataDir: string): Promise<LocalStack> {
  const stack = await startStack({ dataDir, externalSfnEndpoint: undefined, sweepIntervalMs: 3_600_000 });
  stacks.push(stack);
  return stack;
}

async function stop(stack: LocalStack) {
  stacks.splice(stacks.indexOf(stack), 1);
  await stack.close();
}

const dynamoLog = (dataDir: string) => {
  const dir = join(dataDir, 'dynamodb');
  const logs = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
  return join(dir, logs[logs.length - 1]);
};

/**
 * One data folder, made once: a meeting booked an hour ahead, then moved two hours ahead (revision 1: its
 * first execution aborted, the second waiting to launch). Each test damages a copy of it.
 */
let fixture: { dataDir: string; meetingId: string; executionArn: string; logSizeBeforeMove: number };
beforeAll(async () => {
  const dataDir = tempDir('damaged-fixture');
  const stack = await start(dataDir);
  const meeting = await book(stack, 3600);
  const logSizeBeforeMove = statSync(dynamoLog(dataDir)).size;
  const moved = await api(stack, 'PATCH', `/meetings/${meeting.id}`, { startTime: inSeconds(7200) });
  expect(moved.status).toBe(200);
  await stop(stack);
  fixture = {
    dataDir,
    meetingId: meeting.id,
    executionArn: moved.body.executionArn as string,
    logSizeBeforeMove,
  };
}, 60_000);

function copyOfFixture(prefix: string) {
  const dataDir = tempDir(prefix);
  cpSync(fixture.dataDir, dataDir, { recursive: true });
  return { dataDir, meeting: { id: fixture.meetingId, executionArn: fixture.executionArn } };
}

async function refusal(dataDir: string): Promise<DamagedDataError> {
  const err = await start(dataDir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DamagedDataError);
  return err as DamagedDataError;
}

test('an emptied executions.jsonl is named with the open meeting that lost its execution', async () => {
  const { dataDir, meeting } = copyOfFixture('emptied-journal');
  writeFileSync(join(dataDir, 'stepfunctions', 'executions.jsonl'), '');

  const again = await start(dataDir);
  const finding = again.dataFindings.find((f) => f.file.endsWith('executions.jsonl'));
  expect(finding?.found).toContain(meeting.id);
  expect(finding?.action).toMatch(/reconcile/);
});

test('a damaged line inside executions.jsonl is repaired and named', async () => {
  const { dataDir } = copyOfFixture('garbled-journal');
  const journal = join(dataDir, 'stepfunctions', 'executions.jsonl');
  const lines = readFileSync(journal, 'utf8').split('\n');
  lines.splice(1, 0, '{"executionArn":"arn:aws:states:us-east-1:0000');
  writeFileSync(journal, lines.join('\n'));

  const again = await start(dataDir);
  expect(again.dataFindings).toEqual([
    expect.objectContaining({
      file: journal,
      found: expect.stringContaining('line 2'),
      action: expect.stringMatching(/^repaired/),
    }),
  ]);
  expect(readFileSync(journal, 'utf8')).not.toContain('0000\n');
});

test('an emptied DynamoDB log refuses to start, naming the folder, the lost meeting and the command', async () => {
  const { dataDir, meeting } = copyOfFixture('emptied-dynamo');
  writeFileSync(dynamoLog(dataDir), '');

  const err = await refusal(dataDir);
  expect(err.findings).toEqual([
    expect.objectContaining({
      file: join(dataDir, 'dynamodb'),
      found: expect.stringContaining(`meeting ${meeting.id} is missing`),
      command: expect.stringMatching(new RegExp(`^mv '${join(dataDir, 'dynamodb')}' '.*\\.damaged-`)),
    }),
  ]);
  expect(err.message).toContain(err.findings[0].command);
});

test('a garbage DynamoDB log (LevelDB reads it as a crash, silently) is refused by the cross-check', async () => {
  const { dataDir, meeting } = copyOfFixture('garbage-dynamo');
  const log = dynamoLog(dataDir);
  writeFileSync(log, Buffer.alloc(statSync(log).size, 0x5a));

  const err = await refusal(dataDir);
  expect(err.findings.map((f) => f.file)).toEqual([join(dataDir, 'dynamodb')]);
  expect(err.findings[0].found).toContain(`meeting ${meeting.id} is missing`);
});

test('a torn DynamoDB log (a reschedule cut off) is found behind its execution and refused', async () => {
  const { dataDir, meeting } = copyOfFixture('torn-dynamo');
  truncateSync(dynamoLog(dataDir), fixture.logSizeBeforeMove + 10);

  const err = await refusal(dataDir);
  expect(err.findings[0].found).toContain(`meeting ${meeting.id} is at revision 0, its execution`);
});

test('a torn DynamoDB log that takes a READY meeting back to LAUNCHING is found behind its execution', async () => {
  const dataDir = tempDir('torn-ready');
  const stack = await start(dataDir);
  const meeting = await book(stack, 3);
  // The log's size while the meeting is LAUNCHING (its server boots for 0.5 s before it can be READY).
  while ((await stack.store.get(meeting.id))?.status !== 'LAUNCHING')
    await new Promise((r) => setTimeout(r, 20));
  const sizeAtLaunching = statSync(dynamoLog(dataDir)).size;
  await until(
    'the execution to wait for the attendance check',
    async () =>
      stack.engine?.describeExecution(meeting.executionArn).checkpoint?.waitState ===
      'WaitUntilAttendanceCheck',
    20_000,
  );
  const servers = stack.fleet.list().map((s) => s.pid);
  await stop(stack);
  try {
    truncateSync(dynamoLog(dataDir), sizeAtLaunching);
    const err = await refusal(dataDir);
    expect(err.findings[0].found).toContain(
      `meeting ${meeting.id} is LAUNCHING, its execution ${meeting.executionArn.split(':').pop()} waits in WaitUntilAttendanceCheck`,
    );
  } finally {
    for (const pid of servers) process.kill(pid, 'SIGTERM'); // the stand-in this test launched
  }
});

test.each(['CURRENT', 'MANIFEST'])(
  'a damaged DynamoDB %s is repaired with LevelDB RepairDB and the meeting is still there',
  async (name) => {
    const { dataDir, meeting } = copyOfFixture(`damaged-${name}`);
    const dir = join(dataDir, 'dynamodb');
    const file = readdirSync(dir).find((n) => n.startsWith(name))!;
    writeFileSync(join(dir, file), 'garbage');

    const again = await start(dataDir);
    expect(again.dataFindings).toEqual([
      expect.objectContaining({
        file: dir,
        action: expect.stringMatching(/^repaired with LevelDB's RepairDB/),
      }),
    ]);
    expect((await api(again, 'GET', `/meetings/${meeting.id}`)).body.status).toBe('SCHEDULED');
  },
);

test('a damaged fleet.json is moved aside and the fleet restored from the launch log', async () => {
  const { dataDir } = copyOfFixture('damaged-fleet');
  const fleet = join(dataDir, 'fleet.json');
  writeFileSync(fleet, '[{"meetingId":');

  const again = await start(dataDir);
  expect(again.dataFindings).toEqual([
    expect.objectContaining({ file: fleet, action: expect.stringContaining('restored from launches.log') }),
  ]);
});

test('a damaged state-machine file is restored from the definition and its execution goes on', async () => {
  const { dataDir, meeting } = copyOfFixture('damaged-machine');
  const file = join(dataDir, 'stepfunctions', 'state-machines', 'meeting-lifecycle.json');
  writeFileSync(file, '{"stateMachineArn":');

  const again = await start(dataDir);
  expect(again.dataFindings).toEqual([
    expect.objectContaining({
      file,
      action: expect.stringContaining('restored from statemachine/meeting.asl.json'),
    }),
  ]);
  expect(again.engine?.listExecutions(again.stateMachineArn, 'RUNNING').map((e) => e.executionArn)).toEqual([
    meeting.executionArn,
  ]);
});

test('a damaged file of another state machine refuses to start with the command that moves it aside', async () => {
  const { dataDir } = copyOfFixture('other-machine');
  const file = join(dataDir, 'stepfunctions', 'state-machines', 'mine.json');
  writeFileSync(file, '');

  const err = await refusal(dataDir);
  expect(err.findings).toEqual([
    expect.objectContaining({
      file,
      command: expect.stringMatching(new RegExp(`^mv '${file}' '${file}\\.damaged-`)),
    }),
  ]);
});

test('undamaged data starts with nothing to report', async () => {
  const { dataDir } = copyOfFixture('undamaged');
  expect((await start(dataDir)).dataFindings).toEqual([]);
});
