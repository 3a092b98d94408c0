import { ClassicLevel } from 'classic-level';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLevelDb } from '../../local/dataCheck/levelDb';
import { checkRecordFiles } from '../../local/dataCheck/recordFiles';
import { FileStateStore } from '../../local/sfn/stateStore';
import type { ExecutionRecord } from '../../local/sfn/records';

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), `meeting-scheduler-${prefix}-`));

test('records LevelDB drops from a damaged DynamoDB log are named with the log file', async () => {
  const dir = join(temp('leveldb-dropped'), 'dynamodb');
  const db = new ClassicLevel<string, string>(dir);
  for (let i = 0; i < 100; i++) await db.put(`meeting-${i}`, 'x'.repeat(1000));
  await db.close();
  // Garbage inside the log's first 32 KiB block, with good blocks after it: LevelDB's reader reports it.
  const log = join(
    dir,
    readdirSync(dir).find((n) => n.endsWith('.log'))!,
  );
  const bytes = readFileSync(log);
  bytes.fill(0x5a, 2000, 2100);
  writeFileSync(log, bytes);

  const findings = await checkLevelDb(dir, '.damaged-test');
  expect(findings).toEqual([
    expect.objectContaining({ file: log, found: expect.stringMatching(/^\d+ damaged bytes \(Corruption: /) }),
  ]);
});

test('a DynamoDB folder another process holds open is an error naming it, never repaired', async () => {
  const dir = join(temp('leveldb-locked'), 'dynamodb');
  const db = new ClassicLevel<string, string>(dir);
  await db.put('a', 'b');
  try {
    await expect(checkLevelDb(dir, '.damaged-test')).rejects.toThrow(`${dir} is in use by another process`);
    expect(readdirSync(join(dir, '..'))).toEqual(['dynamodb']);
  } finally {
    await db.close();
  }
});

test('a journal write that fails (ENOSPC) does not lose the writes after it', async () => {
  const dir = temp('journal-enospc');
  const journal = join(dir, 'executions.jsonl');
  // /dev/full answers every write with ENOSPC: the journal's append stream fails as on a full disk.
  symlinkSync('/dev/full', journal);
  const store = new FileStateStore(dir);
  const record = (name: string) => ({ executionArn: `arn:${name}`, name }) as unknown as ExecutionRecord;
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  store.saveExecution(record('lost'));
  await new Promise((r) => setTimeout(r, 50));
  expect(errors).toHaveBeenCalledWith('local Step Functions: journal write failed', expect.anything());
  errors.mockRestore();

  unlinkSync(journal); // space is back
  store.saveExecution(record('kept'));
  await store.flush();
  expect(readFileSync(journal, 'utf8')).toBe(`${JSON.stringify(record('kept'))}\n`);
});

test('a DynamoDB table file emptied so that RepairDB recovers nothing refuses to start, never starts empty', async () => {
  const dir = join(temp('leveldb-emptied-table'), 'dynamodb');
  const db = new ClassicLevel<string, string>(dir);
  await db.put('meeting-1', 'x');
  await db.close();
  await db.open(); // the reopen moves the log's records into a table file (*.ldb)
  await db.close();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ldb'))) writeFileSync(join(dir, name), '');

  const refusal = {
    file: dir,
    found: expect.stringContaining('RepairDB recovered nothing'),
    command: `mv '${dir}' '${dir}.damaged-test'`,
  };
  expect(await checkLevelDb(dir, '.damaged-test')).toEqual([expect.objectContaining(refusal)]);
  // Left as found: the next start refuses again instead of opening an empty repair.
  expect(await checkLevelDb(dir, '.damaged-test')).toEqual([expect.objectContaining(refusal)]);
  expect(readdirSync(join(dir, '..'))).toEqual(['dynamodb']);
});

test('a history write that fails (ENOSPC) does not lose the events after it', async () => {
  const record = { executionArn: 'arn:history', eventCount: 2 } as unknown as ExecutionRecord;
  const event = (id: number) => ({ id, type: 'PassStateEntered', timestamp: 0 }) as never;
  // Which of the history files this execution's events go to.
  const probe = temp('history-probe');
  const first = new FileStateStore(probe);
  first.appendHistory(record, [event(1)]);
  await first.flush();
  const [shard] = readdirSync(join(probe, 'history'));

  const dir = temp('history-enospc');
  mkdirSync(join(dir, 'history'));
  const file = join(dir, 'history', shard);
  symlinkSync('/dev/full', file);
  const store = new FileStateStore(dir);
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  store.appendHistory(record, [event(1)]);
  await new Promise((r) => setTimeout(r, 50));
  expect(errors).toHaveBeenCalledWith('local Step Functions: history write failed', expect.anything());
  errors.mockRestore();

  unlinkSync(file); // space is back
  store.appendHistory(record, [event(2)]);
  await store.flush();
  expect(store.readHistory(record).map((e) => e.id)).toEqual([2]);
});

test('a damaged activity, task-token or map-run record refuses to start, naming the file and its mv', () => {
  const dir = temp('damaged-records');
  mkdirSync(join(dir, 'task-tokens'));
  writeFileSync(join(dir, 'task-tokens', 'good.json'), '{"token":"t"}');
  const damaged = join(dir, 'task-tokens', 'torn.json');
  writeFileSync(damaged, '{"token":');

  expect(checkRecordFiles(dir, '.damaged-test')).toEqual([
    expect.objectContaining({ file: damaged, command: `mv '${damaged}' '${damaged}.damaged-test'` }),
  ]);
});
