import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionRecord, StateMachineRecord } from '../../local/sfn/records';
import { LocalStepFunctions } from '../../local/sfn/engine';
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
    await first.flush();

    const loaded = await new FileStateStore(dir).load();
    expect(loaded.stateMachines).toEqual([machine]);
    expect(loaded.executions.map((e) => [e.name, e.status]).sort()).toEqual([
      ['meeting-a', 'SUCCEEDED'],
      ['meeting-b', 'RUNNING'],
    ]);
    expect(loaded.executions.find((e) => e.name === 'meeting-b')).toEqual(execution('meeting-b'));
  });

  test('file store: a change appends one line to the journal; loading compacts it once most lines are stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    const store = new FileStateStore(dir);
    for (const n of ['meeting-a', 'meeting-b', 'meeting-c']) store.saveExecution(execution(n));
    for (let i = 0; i < 5; i++) store.saveExecution({ ...execution('meeting-a'), eventCount: i });
    await store.flush();
    const lines = () => readFileSync(join(dir, 'executions.jsonl'), 'utf8').trim().split('\n');
    expect(lines()).toHaveLength(8);
    const loaded = await new FileStateStore(dir).load();
    expect(loaded.executions.find((e) => e.name === 'meeting-a')?.eventCount).toBe(4);
    expect(lines()).toHaveLength(3);
  });

  test('file store: an empty folder loads as nothing; a line cut short by a crash is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    expect(await new FileStateStore(dir).load()).toEqual({ stateMachines: [], executions: [] });
    const store = new FileStateStore(dir);
    store.saveExecution(execution('meeting-a'));
    await store.flush();
    appendFileSync(join(dir, 'executions.jsonl'), '{"executionArn":"half');
    const after = new FileStateStore(dir);
    expect((await after.load()).executions).toEqual([execution('meeting-a')]);
    // What is saved after the torn line is not glued onto it.
    after.saveExecution(execution('meeting-b'));
    await after.flush();
    expect((await new FileStateStore(dir).load()).executions.map((x) => x.name).sort()).toEqual([
      'meeting-a',
      'meeting-b',
    ]);
  });

  test('file store: executions kept one file each by the earlier layout are loaded and folded into the journal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    mkdirSync(join(dir, 'executions'));
    writeFileSync(
      join(dir, 'executions', 'meeting-lifecycle.meeting-old.json'),
      JSON.stringify(execution('meeting-old')),
    );
    expect((await new FileStateStore(dir).load()).executions).toEqual([execution('meeting-old')]);
    expect(existsSync(join(dir, 'executions'))).toBe(false);
    expect((await new FileStateStore(dir).load()).executions).toEqual([execution('meeting-old')]);
  });

  test('file store: history is appended per execution and read back in order, queued events included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    const store = new FileStateStore(dir);
    const e = { ...execution('meeting-a'), eventCount: 3 };
    const event = (id: number) => ({ id, previousEventId: id - 1, timestamp: id, type: `T${id}` });
    store.appendHistory(e, [event(1), event(2)]);
    store.appendHistory(e, [event(3)]);
    expect(store.readHistory(e).map((x) => x.id)).toEqual([1, 2, 3]);
    await store.flush();
    expect(new FileStateStore(dir).readHistory(e).map((x) => x.type)).toEqual(['T1', 'T2', 'T3']);
    // Events past the saved count were written by a segment a crash interrupted: not part of the history.
    store.appendHistory(e, [event(4)]);
    await store.flush();
    expect(new FileStateStore(dir).readHistory(e)).toHaveLength(3);
  });

  test('file store: an execution StartExecution answered is on disk at once, history included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
    const engine = new LocalStepFunctions({
      region: 'us-east-1',
      account: '000000000000',
      store: new FileStateStore(dir),
      functions: {},
    });
    await engine.start();
    const { stateMachineArn } = engine.createStateMachine({
      name: 'waits',
      roleArn: 'r',
      definition: '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}',
    });
    const started = engine.startExecution({ stateMachineArn, name: 'acknowledged' });
    // No flush, no close: as if the process died right after answering.
    const loaded = await new FileStateStore(dir).load();
    const saved = loaded.executions.find((e) => e.executionArn === started.executionArn)!;
    expect(saved).toMatchObject({ status: 'RUNNING', eventCount: 1 });
    expect(new FileStateStore(dir).readHistory(saved).map((e) => e.type)).toEqual(['ExecutionStarted']);
    await engine.close();
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
