import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRecord, StateMachineRecord } from '../../local/sfn/records';
import { FileStateStore, MemoryStateStore } from '../../local/sfn/stateStore';

const machine: StateMachineRecord = {
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:meeting-lifecycle',
  name: 'meeting-lifecycle',
  definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
  roleArn: 'arn:aws:iam::000000000000:role/x',
  type: 'STANDARD',
  creationDate: 1,
};
const execution = (name: string, status: ExecutionRecord['status'] = 'RUNNING'): ExecutionRecord => ({
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:meeting-lifecycle:${name}`,
  stateMachineArn: machine.stateMachineArn,
  name,
  input: '{}',
  status,
  startDate: 2,
  checkpoint: { state: 'Launch', input: { a: 1 }, notBefore: 3, waitState: 'WaitUntilLaunch' },
  invocations: { Launch: 1 },
  eventCount: 0,
});

describe('local Step Functions state stores', () => {
  test('file store: a new store on the same folder loads what was saved, the latest version of each record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    const first = new FileStateStore(dir);
    first.saveStateMachine(machine);
    first.saveExecution(execution('meeting-a'));
    first.saveExecution(execution('meeting-b'));
    first.saveExecution(execution('meeting-a', 'SUCCEEDED'));

    const loaded = await new FileStateStore(dir).load();
    expect(loaded.stateMachines).toEqual([machine]);
    expect(loaded.executions.map((e) => [e.name, e.status]).sort()).toEqual([
      ['meeting-a', 'SUCCEEDED'],
      ['meeting-b', 'RUNNING'],
    ]);
    expect(loaded.executions.find((e) => e.name === 'meeting-b')).toEqual(execution('meeting-b'));
  });

  test('file store: one file per record, so a change rewrites only that record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    const store = new FileStateStore(dir);
    store.saveStateMachine(machine);
    for (const n of ['meeting-a', 'meeting-b', 'meeting-c']) store.saveExecution(execution(n));
    expect(readdirSync(join(dir, 'executions')).sort()).toEqual([
      'meeting-lifecycle.meeting-a.json',
      'meeting-lifecycle.meeting-b.json',
      'meeting-lifecycle.meeting-c.json',
    ]);
    expect(readdirSync(join(dir, 'state-machines'))).toEqual(['meeting-lifecycle.json']);
  });

  test('file store: an empty folder loads as nothing; a write cut short by a crash is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    expect(await new FileStateStore(dir).load()).toEqual({ stateMachines: [], executions: [] });
    const store = new FileStateStore(dir);
    store.saveExecution(execution('meeting-a'));
    writeFileSync(join(dir, 'executions', 'meeting-lifecycle.meeting-a.json.123.tmp'), '{"half');
    expect((await store.load()).executions).toEqual([execution('meeting-a')]);
  });

  test('memory store: load answers copies, so the engine cannot change what was loaded before', async () => {
    const store = new MemoryStateStore();
    const e = execution('meeting-a');
    store.saveExecution(e);
    const loaded = await store.load();
    loaded.executions[0].status = 'FAILED';
    expect((await store.load()).executions[0].status).toBe('RUNNING');
  });
});
