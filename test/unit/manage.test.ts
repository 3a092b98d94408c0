import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld, fleetWorld, TEST_TIMINGS } from '../support/world';

const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle';
const config: ApiConfig = {
  stateMachineArn: SM_ARN,
  region: 'eu-west-1',
  jitsiDomain: 'meet.example.com',
  maxBodyBytes: 16 * 1024,
  timings: TEST_TIMINGS,
};

/** Cancel, reschedule and join links, on a real table (dynalite); Step Functions and EC2 mocked. */
describe('meeting management API', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  let deps: ApiDeps;
  let fleet: ReturnType<typeof fleetWorld>;
  let now = new Date();
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const sfnMock = mockClient(sfn);

  beforeAll(async () => {
    const world = await dynamoWorld();
    ({ dynamo, tableName } = world);
    fleet = fleetWorld(world.store);
    deps = {
      store: world.store,
      sfn,
      config,
      now: () => now,
      teardown: (input) => teardownMeeting(input, fleet.deps),
    };
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    now = new Date();
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake((i) => ({
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:${i.name}`,
      startDate: now,
    }));
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: now });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await handleApiRequest(
      {
        method,
        path,
        headers: {},
        query: {},
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        origin: 'https://api.example.com',
      },
      deps,
    );
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  const book = async (startInMinutes = 120) =>
    (
      await call('POST', '/meetings', {
        teacherName: 'Ada',
        studentName: 'Ben',
        startTime: new Date(now.getTime() + startInMinutes * 60_000).toISOString(),
        durationMinutes: 45,
      })
    ).body;
  /** Runs launch and one health check, as the execution would at launch time. */
  const launch = async (id: string, revision = 0) => {
    const { instanceId } = await launchMeeting({ meetingId: id, revision }, fleet.deps);
    await checkHealth({ meetingId: id, instanceId, attempts: 0, revision }, fleet.deps);
    return instanceId;
  };
  const itemCount = async () =>
    (await dynamo.client.send(new ScanCommand({ TableName: tableName }))).Count ?? 0;

  describe('DELETE /meetings/{id}', () => {
    test('before launch: execution stopped, status CANCELLED, nothing to terminate', async () => {
      const m = await book();
      const res = await call('DELETE', `/meetings/${m.id}`);
      expect(res).toMatchObject({
        status: 200,
        body: { status: 'CANCELLED', statusReason: 'cancelled by request' },
      });
      expect(sfnMock.commandCalls(StopExecutionCommand)[0].args[0].input).toMatchObject({
        executionArn: m.executionArn,
        error: 'MeetingCancelled',
      });
    });

    test('with a running server: the server is terminated; repeating it is harmless', async () => {
      const m = await book(5);
      const instanceId = await launch(m.id);
      expect(fleet.aws.liveInstances()).toContain(instanceId);
      expect((await call('DELETE', `/meetings/${m.id}`)).body.status).toBe('CANCELLED');
      expect(fleet.aws.liveInstances()).not.toContain(instanceId);
      const again = await call('DELETE', `/meetings/${m.id}`);
      expect(again).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
      // A late launch of the stopped execution starts nothing.
      await expect(launchMeeting({ meetingId: m.id, revision: 0 }, fleet.deps)).rejects.toMatchObject({
        name: 'MeetingClosed',
      });
      expect(fleet.aws.liveInstances()).not.toContain(instanceId);
    });

    test('a finished meeting cannot be cancelled (409); unknown → 404; bad id → 400', async () => {
      const m = await book();
      await deps.store.transition(m.id, 'FAILED', { statusReason: 'x' });
      expect((await call('DELETE', `/meetings/${m.id}`)).status).toBe(409);
      expect((await call('DELETE', '/meetings/00000000-0000-0000-0000-000000000000')).status).toBe(404);
      expect((await call('DELETE', '/meetings/not-an-id')).body.fields[0].field).toBe('id');
    });
  });

  describe('PATCH /meetings/{id}', () => {
    test('moves the meeting: new times, new execution under a new name, old one stopped', async () => {
      const m = await book(120);
      const newStart = new Date(now.getTime() + 240 * 60_000);
      const res = await call('PATCH', `/meetings/${m.id}`, {
        startTime: newStart.toISOString(),
        durationMinutes: 30,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'SCHEDULED',
        revision: 1,
        startTime: newStart.toISOString(),
        durationMinutes: 30,
        endAt: new Date(newStart.getTime() + 30 * 60_000).toISOString(),
        launchAt: new Date(newStart.getTime() - 600_000).toISOString(),
        executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:meeting-${m.id}-r1`,
      });
      expect(sfnMock.commandCalls(StopExecutionCommand)[0].args[0].input.executionArn).toBe(m.executionArn);
      const started = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
      expect(started.at(-1)?.name).toBe(`meeting-${m.id}-r1`);
      expect(JSON.parse(started.at(-1)!.input!)).toMatchObject({ revision: 1, launchAt: res.body.launchAt });
    });

    test('a running server is torn down when the new time is far, and the old execution can no longer touch the meeting', async () => {
      const m = await book(5);
      const instanceId = await launch(m.id);
      const res = await call('PATCH', `/meetings/${m.id}`, {
        startTime: new Date(now.getTime() + 3 * 86_400_000).toISOString(),
      });
      expect(res.body).toMatchObject({ status: 'SCHEDULED', revision: 1 });
      expect(fleet.aws.liveInstances()).not.toContain(instanceId);
      // Late tasks of revision 0: no launch, and their teardown does not touch revision 1.
      await expect(launchMeeting({ meetingId: m.id, revision: 0 }, fleet.deps)).rejects.toMatchObject({
        name: 'StaleExecution',
      });
      await teardownMeeting({ meetingId: m.id, outcome: 'FAILED', reason: 'old', revision: 0 }, fleet.deps);
      expect((await deps.store.get(m.id))?.status).toBe('SCHEDULED');
    });

    test('a running server is kept when the meeting is only extended', async () => {
      const m = await book(5);
      const instanceId = await launch(m.id);
      const res = await call('PATCH', `/meetings/${m.id}`, { durationMinutes: 90 });
      expect(res.body).toMatchObject({ status: 'READY', revision: 1, durationMinutes: 90 });
      expect(fleet.aws.liveInstances()).toContain(instanceId);
      // The new execution's launch finds the same server.
      expect((await launchMeeting({ meetingId: m.id, revision: 1 }, fleet.deps)).instanceId).toBe(instanceId);
      await call('DELETE', `/meetings/${m.id}`);
    });

    test('refuses bad changes naming the field, and meetings in progress', async () => {
      const m = await book();
      const bad: [unknown, string][] = [
        [{}, 'body'],
        [{ startTime: 'soon' }, 'startTime'],
        [{ startTime: new Date(now.getTime() - 60_000).toISOString() }, 'startTime'],
        [{ durationMinutes: 5 }, 'durationMinutes'],
        [{ durationMinutes: '30' }, 'durationMinutes'],
        [{ startTime: '2031-01-01T10:00', timeZone: 'Nowhere/City' }, 'timeZone'],
        [{ title: 'new' }, 'title'],
        ['[1,2', 'body'],
      ];
      for (const [body, field] of bad) {
        const res = await call('PATCH', `/meetings/${m.id}`, body);
        expect({
          body,
          status: res.status,
          fields: res.body.fields?.map((f: { field: string }) => f.field),
        }).toEqual({ body, status: 400, fields: expect.arrayContaining([field]) });
      }
      expect((await deps.store.get(m.id))?.revision).toBe(0);
      await deps.store.transition(m.id, 'LAUNCHING');
      await deps.store.transition(m.id, 'READY');
      await deps.store.transition(m.id, 'IN_PROGRESS');
      expect((await call('PATCH', `/meetings/${m.id}`, { durationMinutes: 60 })).status).toBe(409);
    });
  });

  describe('join links', () => {
    const tokenOf = (link: string) => link.split('/join/')[1];

    test('teacher and student links carry different tokens; the Jitsi URL only once the server is ready', async () => {
      const m = await book(5);
      expect(m.teacherLink.startsWith('https://api.example.com/join/')).toBe(true);
      const teacher = await call('GET', `/join/${tokenOf(m.teacherLink)}`);
      expect(teacher).toMatchObject({
        status: 200,
        body: { role: 'teacher', displayName: 'Ada', status: 'SCHEDULED', joinUrl: null },
      });
      await launch(m.id);
      const student = await call('GET', `/join/${tokenOf(m.studentLink)}`);
      expect(student.body).toMatchObject({ role: 'student', displayName: 'Ben', status: 'READY' });
      expect(student.body.joinUrl).toBe(`${m.roomUrl}#userInfo.displayName=${encodeURIComponent('"Ben"')}`);
      await call('DELETE', `/meetings/${m.id}`);
      expect((await call('GET', `/join/${tokenOf(m.studentLink)}`)).body).toMatchObject({
        status: 'CANCELLED',
        joinUrl: null,
      });
    });

    test('a student token never acts as the teacher; unknown tokens answer the same 404', async () => {
      const m = await book();
      const student = tokenOf(m.studentLink);
      expect((await call('GET', `/join/${student}`)).body.role).toBe('student');
      const [id, secret] = student.split('.');
      const flipped = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
      const unknownMeeting = `00000000-0000-0000-0000-000000000000.${secret}`;
      const answers = await Promise.all(
        [flipped, unknownMeeting, 'garbage', `${id}.`].map((t) =>
          call('GET', `/join/${encodeURIComponent(t)}`),
        ),
      );
      for (const a of answers)
        expect(a).toEqual({ status: 404, body: { error: 'NotFound', message: 'no such link' } });
      expect((await call('POST', `/join/${student}`)).status).toBe(405);
    });
  });

  describe('bad input: 400 or 404 naming the problem, nothing written', () => {
    const valid = {
      teacherName: 'Ada',
      studentName: 'Ben',
      startTime: '2099-01-01T10:00:00Z',
      durationMinutes: 60,
    };
    const cases: [string, string, string, unknown, number, string][] = [
      [
        'wrong type: teacherName number',
        'POST',
        '/meetings',
        { ...valid, teacherName: 42 },
        400,
        'teacherName',
      ],
      [
        'wrong type: startTime number',
        'POST',
        '/meetings',
        { ...valid, startTime: 1700000000 },
        400,
        'startTime',
      ],
      [
        'missing studentName',
        'POST',
        '/meetings',
        { teacherName: 'Ada', startTime: valid.startTime },
        400,
        'studentName',
      ],
      [
        'missing startTime',
        'POST',
        '/meetings',
        { teacherName: 'Ada', studentName: 'Ben' },
        400,
        'startTime',
      ],
      ['extra field', 'POST', '/meetings', { ...valid, price: 10 }, 400, 'price'],
      ['huge name', 'POST', '/meetings', { ...valid, teacherName: 'A'.repeat(5000) }, 400, 'teacherName'],
      ['huge startTime', 'POST', '/meetings', { ...valid, startTime: '2'.repeat(1000) }, 400, 'startTime'],
      ['control characters', 'POST', '/meetings', { ...valid, title: 'Algebra\u0007' }, 400, 'title'],
      [
        'HTML in a name',
        'POST',
        '/meetings',
        { ...valid, studentName: '<script>alert(1)</script>' },
        400,
        'studentName',
      ],
      [
        'invalid date',
        'POST',
        '/meetings',
        { ...valid, startTime: '2099-13-01T10:00:00Z' },
        400,
        'startTime',
      ],
      [
        'invalid time',
        'POST',
        '/meetings',
        { ...valid, startTime: '2099-01-01T25:00:00Z' },
        400,
        'startTime',
      ],
      [
        'invalid zone',
        'POST',
        '/meetings',
        { ...valid, startTime: '2099-01-01T10:00', timeZone: 'Europe/Atlantis' },
        400,
        'timeZone',
      ],
      ['far future', 'POST', '/meetings', { ...valid, startTime: '2099-01-01T10:00:00Z' }, 400, 'startTime'],
      ['past', 'POST', '/meetings', { ...valid, startTime: '2001-01-01T10:00:00Z' }, 400, 'startTime'],
      ['null body', 'POST', '/meetings', 'null', 400, 'body'],
      ['string body', 'POST', '/meetings', '"hello"', 400, 'body'],
      ['empty body', 'POST', '/meetings', '', 400, 'body'],
      ['bad id (GET)', 'GET', '/meetings/123', undefined, 400, 'id'],
      ['bad id (DELETE)', 'DELETE', '/meetings/%E0%A4%A', undefined, 400, 'path'],
      ['bad id (PATCH)', 'PATCH', '/meetings/..%2F..', { durationMinutes: 30 }, 400, 'id'],
      [
        'unknown id (PATCH)',
        'PATCH',
        '/meetings/00000000-0000-4000-8000-000000000000',
        { durationMinutes: 30 },
        404,
        'meeting',
      ],
      ['unknown route', 'GET', '/admin', undefined, 404, 'route'],
    ];
    test.each(cases)('%s', async (_label, method, path, body, status, named) => {
      const before = await itemCount();
      const res = await call(method, path, body);
      expect(res.status).toBe(status);
      const text = JSON.stringify(res.body);
      expect(text).toContain(named);
      expect(await itemCount()).toBe(before);
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });
});
