import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { MeetingRecord } from '../../functions/shared/meeting';
import type { LocalStack } from '../../local/stack';
import { api, book, inSeconds, sharedStack } from './harness';

/**
 * Issue 22: reschedules (PATCH) and cancels (DELETE) racing on one meeting, against the local stack (dynalite and
 * the local Step Functions API). Whatever the interleaving: one RUNNING execution for an open meeting, the one
 * named for its revision, none for a closed one; every loser a 409 with the current revision; no execution left
 * to fail (the ones stopped end ABORTED). Meetings start an hour ahead, so every execution sits in its first Wait.
 */
describe('reschedule and cancel racing on one meeting', () => {
  const stackReady = sharedStack();
  let stack: LocalStack;
  beforeAll(async () => void (stack = await stackReady()));

  type Answer = { index: number; status: number; body: Record<string, unknown> };

  /** Every execution of one meeting's lifecycle, by name, through ListExecutions (all pages). */
  async function executionsOf(meetingId: string): Promise<Map<string, string>> {
    // Revision 0 is `meeting-<id>`, later ones `meeting-<id>-r<n>` (executionNameFor).
    const ofMeeting = (name: string) =>
      name === `meeting-${meetingId}` || name.startsWith(`meeting-${meetingId}-r`);
    const found = new Map<string, string>();
    let nextToken: string | undefined;
    do {
      const page = await stack.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: 1000, nextToken }),
      );
      for (const e of page.executions ?? []) if (ofMeeting(e.name!)) found.set(e.name!, e.status!);
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  const running = (executions: Map<string, string>) =>
    [...executions].filter(([, status]) => status === 'RUNNING').map(([name]) => name);

  /** The invariant after any interleaving, and the record it holds for. */
  async function expectOneExecutionPerOpenMeeting(meetingId: string): Promise<MeetingRecord> {
    const record = (await stack.store.get(meetingId))!;
    const executions = await executionsOf(meetingId);
    const open = ['SCHEDULED', 'LAUNCHING', 'READY', 'IN_PROGRESS'].includes(record.status);
    expect(running(executions)).toEqual(open ? [record.executionName] : []);
    // Stopped, never left to fail: the executions-failed alarm counts real failures only.
    for (const [name, status] of executions)
      if (name !== record.executionName || !open)
        expect({ name, status }).toEqual({ name, status: 'ABORTED' });
    return record;
  }

  function expectLosersGot409(answers: Answer[], final: MeetingRecord) {
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a).toMatchObject({ status: 409, body: { error: 'Conflict' } });
      expect(a.body.currentRevision).toEqual(expect.any(Number));
      expect(a.body.currentRevision as number).toBeLessThanOrEqual(final.revision);
    }
  }

  const patch = (id: string, i: number, headers: Record<string, string> = {}) =>
    api(stack, 'PATCH', `/meetings/${id}`, { startTime: inSeconds(3600 + 60 * (i + 1)) }, headers);

  async function burst(requests: Array<() => Promise<{ status: number; body: Record<string, unknown> }>>) {
    return Promise.all(requests.map(async (send, i) => ({ ...(await send()), index: i })));
  }

  test('50 concurrent PATCHes: one RUNNING execution, the record revision; each 200 was current when it answered', async () => {
    const { id } = await book(stack, 3600);
    const answers = await burst(Array.from({ length: 50 }, (_, i) => () => patch(id, i)));
    const final = await expectOneExecutionPerOpenMeeting(id);
    expectLosersGot409(answers, final);
    const won = answers.filter((a) => a.status === 200).map((a) => a.body.revision as number);
    // Winners follow one another: distinct revisions, the last of them the surviving one; every earlier one was
    // superseded after it answered, and its execution was stopped (checked above: ABORTED).
    expect(new Set(won).size).toBe(won.length);
    expect(Math.max(...won)).toBe(final.revision);
    expect(final.statusReason).toBe(`rescheduled (revision ${final.revision})`);
  });

  test('50 concurrent PATCHes from one read (If-Match): exactly one 200, the surviving revision; 49 get 409', async () => {
    const { id } = await book(stack, 3600);
    const answers = await burst(
      Array.from({ length: 50 }, (_, i) => () => patch(id, i, { 'if-match': '"0"' })),
    );
    const final = await expectOneExecutionPerOpenMeeting(id);
    expectLosersGot409(answers, final);
    const won = answers.filter((a) => a.status === 200);
    expect(won.map((a) => a.body.revision)).toEqual([final.revision]);
    expect(final.revision).toBe(1);
  });

  test('25 PATCHes and 25 DELETEs interleaved: closed with no execution, or open with its own; no 200 for a lost race', async () => {
    const { id } = await book(stack, 3600);
    const answers = await burst(
      Array.from(
        { length: 50 },
        (_, i) => () => (i % 2 ? api(stack, 'DELETE', `/meetings/${id}`) : patch(id, i)),
      ),
    );
    const final = await expectOneExecutionPerOpenMeeting(id);
    expectLosersGot409(answers, final);
    const deletes = answers.filter((a) => a.index % 2 === 1);
    const cancelledBy = deletes.filter((a) => a.status === 200);
    if (cancelledBy.length > 0) expect(final.status).toBe('CANCELLED');
    // A 200 to a DELETE shows the meeting cancelled at the revision that survived.
    for (const a of cancelledBy)
      expect(a.body).toMatchObject({ status: 'CANCELLED', revision: final.revision });
    // A PATCH that answered 200 was current then: never above the final revision.
    for (const a of answers.filter((x) => x.index % 2 === 0 && x.status === 200))
      expect(a.body.revision as number).toBeLessThanOrEqual(final.revision);
  });

  test('a PATCH racing a DELETE, 10 times: never both winning over each other, never an execution left', async () => {
    for (let round = 0; round < 10; round++) {
      const { id } = await book(stack, 3600);
      // The DELETE leaves 0, 2, 4 … 18 ms after the PATCH, so it meets the PATCH at its different steps.
      const later = new Promise((r) => setTimeout(r, 2 * round)).then(() =>
        api(stack, 'DELETE', `/meetings/${id}`),
      );
      const [p, d] = await Promise.all([patch(id, round), later]);
      const final = await expectOneExecutionPerOpenMeeting(id);
      expect([p.status, d.status]).not.toContain(500);
      if (d.status === 200) {
        expect(final.status).toBe('CANCELLED');
        // Both 200 only when the PATCH finished before the DELETE read: then the cancel is of its revision.
        if (p.status === 200) expect(p.body.revision).toBe(final.revision);
      } else {
        // The DELETE lost to the PATCH's write: the meeting goes on at the PATCH's revision.
        expect(d).toMatchObject({ status: 409, body: { currentRevision: 1 } });
        expect(final).toMatchObject({ status: 'SCHEDULED', revision: 1 });
      }
      if (p.status !== 200) expect(p).toMatchObject({ status: 409, body: { status: 'CANCELLED' } });
    }
  });

  test('a malformed If-Match is a 400 naming it; a stale one a 409 with the current revision', async () => {
    const { id } = await book(stack, 3600);
    expect(await patch(id, 0, { 'if-match': 'yesterday' })).toMatchObject({
      status: 400,
      body: { fields: [{ field: 'If-Match' }] },
    });
    expect(await patch(id, 0)).toMatchObject({ status: 200, body: { revision: 1 } });
    expect(await api(stack, 'DELETE', `/meetings/${id}`, undefined, { 'if-match': '0' })).toMatchObject({
      status: 409,
      body: { currentRevision: 1, status: 'SCHEDULED' },
    });
    expect(await api(stack, 'DELETE', `/meetings/${id}`, undefined, { 'if-match': 'W/"1"' })).toMatchObject({
      status: 200,
      body: { status: 'CANCELLED', revision: 1 },
    });
    await expectOneExecutionPerOpenMeeting(id);
  });
});
