import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changeRecords, EXAMPLE, type AwsCall, type CallSite } from '../../functions/shared/awsCalls';
import {
  consoleOutput,
  runInstances,
  sendRoomCount,
  terminateInstance,
} from '../../functions/shared/ec2FleetCalls';
import { FUNCTIONS_DIR } from '../../infra/constructs/taskFunction';
import { simulate, type Verdict } from '../support/iamSimulation';
import { permissionSubjects, type Subject } from '../support/permissionSubjects';
import { ACCOUNT } from '../support/resolveTemplate';

/**
 * Every AWS call the code makes, simulated against the roles of the synthesized stack with AWS's service
 * authorization data (@cloud-copilot/iam-simulate): allowed, with only condition keys AWS documents for the
 * action and resource; and the calls the app must never make, denied. One synthesis for the whole file.
 */

const APP = 'meeting-scheduler';
let subjects: Map<string, Subject>;

beforeAll(async () => {
  subjects = await permissionSubjects();
}, 60_000);

const subject = (name: string) => {
  const s = subjects.get(name);
  if (!s) throw new Error(`no function ${name} in the stack`);
  return s;
};
const verdicts = (name: string, calls: (site: CallSite) => AwsCall[]): Promise<Verdict[]> => {
  const s = subject(name);
  return Promise.all(calls(s.site).map((c) => simulate(c, s.role, ACCOUNT)));
};
const allowed = (v: Verdict) => ({ ...v, decision: 'Allowed', undocumentedKeys: [], vacuousKeys: [] });
const denied = (v: Verdict) => v.decision !== 'Allowed';

const FUNCTIONS = ['launch', 'health-check', 'attendance-check', 'teardown', 'sweeper', 'api', 'certificate'];

test('every function of the stack has a table of its AWS calls, and the simulation covers them all', () => {
  expect([...subjects.keys()].sort()).toEqual([...FUNCTIONS, 'instance', 'statemachine'].sort());
});

describe.each([...FUNCTIONS, 'instance', 'statemachine'])('%s', (name) => {
  test('every call its code makes is allowed, with the condition keys AWS documents for it (and every key its policy tests)', async () => {
    const found = await verdicts(name, subject(name).table);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(found.map(allowed));
  });
});

describe('calls the app must never make are denied', () => {
  test('RunInstances of another instance type, another image, or without the app tag', async () => {
    const { site } = subject('launch');
    const [subnetId] = site.env.SUBNET_IDS.split(',');
    const [baked] = site.images;
    const ok = { instanceType: 'c6i.large', subnetId, image: baked };
    // RunInstances needs every resource allowed: each attempt is refused on the resource that makes it wrong.
    const attempts: [string, AwsCall[], string[]][] = [
      ['a type not configured', runInstances(site, { ...ok, instanceType: 'p4d.24xlarge' }), ['instance/']],
      [
        "another account's image",
        runInstances(site, { ...ok, image: { ...baked, owner: '123456789012' } }),
        ['image/'],
      ],
      [
        "an untagged image of this account's",
        runInstances(site, { ...ok, image: { ...baked, tags: {} } }),
        ['image/'],
      ],
      [
        'an instance without the app tag',
        runInstances(site, { ...ok, tags: { app: 'other' } }),
        ['instance/', 'volume/'],
      ],
    ];
    for (const [what, calls, refusedOn] of attempts) {
      const found = await verdicts('launch', () => calls);
      const refused = found.filter(denied).map((v) => v.call);
      expect({ what, refused: refused.map((c) => /:(\w+)\//.exec(c.split(' on ')[1])?.[1] + '/') }).toEqual({
        what,
        refused: refusedOn,
      });
      expect(refused.every((c) => c.startsWith('ec2:RunInstances'))).toBe(true);
    }
  });

  test.each(['launch', 'teardown', 'sweeper'])(
    '%s: terminating an instance without the app tag',
    async (name) => {
      const s = subject(name);
      for (const tags of [{}, { app: 'other' }] as Record<string, string>[])
        expect((await simulate(terminateInstance(s.site, tags), s.role, ACCOUNT)).decision).toBe(
          'ImplicitlyDenied',
        );
    },
  );

  test('Run Command on an instance without the app tag, or with another document; the tagged one allowed', async () => {
    const s = subject('attendance-check');
    const decisions = async (calls: AwsCall[]) =>
      (await Promise.all(calls.map((c) => simulate(c, s.role, ACCOUNT)))).map((v) => v.decision);
    expect(await decisions(sendRoomCount(s.site, { app: APP }))).toEqual(['Allowed', 'Allowed', 'Allowed']);
    expect((await decisions(sendRoomCount(s.site, {})))[0]).toBe('ImplicitlyDenied');
    expect((await decisions(sendRoomCount(s.site, { app: 'other' })))[0]).toBe('ImplicitlyDenied');
    expect((await decisions(sendRoomCount(s.site, { app: APP }, 'AWS-RunPowerShellScript')))[1]).toBe(
      'ImplicitlyDenied',
    );
  });

  test('the health check reads the console of app servers only', async () => {
    const s = subject('health-check');
    expect((await simulate(consoleOutput(s.site, {}), s.role, ACCOUNT)).decision).toBe('ImplicitlyDenied');
  });

  test.each(['launch', 'health-check', 'teardown', 'sweeper', 'certificate'])(
    '%s: changing a record outside the meeting domain, or of another type',
    async (name) => {
      const s = subject(name);
      const domain = s.site.jitsiDomain;
      const attempts = [
        { action: 'UPSERT' as const, names: ['www.example.com'] },
        { action: 'UPSERT' as const, names: [domain] },
        { action: 'DELETE' as const, names: [`${EXAMPLE.meetingId}.${domain}`, 'www.example.com'] },
        { action: 'UPSERT' as const, names: [`${EXAMPLE.meetingId}.${domain}`], type: 'MX' },
        { action: 'UPSERT' as const, names: [`_acme-challenge.${domain}`], type: 'CNAME' },
      ];
      for (const change of attempts)
        expect({
          change,
          decision: (await simulate(changeRecords(s.site, change, 'never'), s.role, ACCOUNT)).decision,
        }).toEqual({
          change,
          decision: 'ImplicitlyDenied',
        });
    },
  );

  test('the certificate function changes its challenge record only (TXT), never a meeting record', async () => {
    const s = subject('certificate');
    const meeting = changeRecords(
      s.site,
      { action: 'UPSERT', names: [`${EXAMPLE.meetingId}.${s.site.jitsiDomain}`] },
      'never',
    );
    expect((await simulate(meeting, s.role, ACCOUNT)).decision).toBe('ImplicitlyDenied');
  });

  test('the meeting server reads the certificate and writes no secret', async () => {
    const s = subject('instance');
    const secret = s.site.env.CERTIFICATE_SECRET_ID;
    const accountKey = subject('certificate').site.env.ACCOUNT_SECRET_ID;
    const attempts: AwsCall[] = [
      { command: '-', action: 'secretsmanager:PutSecretValue', resource: secret, why: 'never' },
      { command: '-', action: 'secretsmanager:UpdateSecret', resource: secret, why: 'never' },
      { command: '-', action: 'secretsmanager:GetSecretValue', resource: accountKey, why: 'never' },
    ];
    for (const call of attempts)
      expect((await simulate(call, s.role, ACCOUNT)).decision).toBe('ImplicitlyDenied');
  });

  test('the API has no EC2 or Route 53 permissions of its own', async () => {
    const s = subject('api');
    const teardown = subject('teardown').site;
    const calls = [
      terminateInstance({ ...teardown }),
      changeRecords(
        teardown,
        { action: 'DELETE', names: [`${EXAMPLE.meetingId}.${teardown.jitsiDomain}`] },
        'never',
      ),
    ];
    for (const call of calls)
      expect((await simulate(call, s.role, ACCOUNT)).decision).toBe('ImplicitlyDenied');
  });
});

describe('the tables cover the code', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  /** Every SDK command the code constructs: `new XxxCommand(`. */
  const sent = () =>
    new Set(
      sources(FUNCTIONS_DIR).flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/new (\w+Command)\(/g)].map((m) => m[1]),
      ),
    );
  const tabled = () => new Set([...subjects.values()].flatMap((s) => s.table(s.site).map((c) => c.command)));

  test('every SDK command sent in functions/ is in some function’s table (a new call fails here until listed)', () => {
    const listed = tabled();
    expect([...sent()].filter((c) => !listed.has(c))).toEqual([]);
  });

  test('every command a table lists is sent by the code (no stale entries)', () => {
    const code = sent();
    const bootstrap = readdirSync(join(FUNCTIONS_DIR, '..', 'infra', 'bootstrap'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => readFileSync(join(FUNCTIONS_DIR, '..', 'infra', 'bootstrap', f), 'utf8'))
      .join('\n');
    // The state machine's entries ('Task ${…}') are read from the ASL itself.
    const stale = [...tabled()]
      .filter((c) => !c.startsWith('Task '))
      .filter((c) => (c.startsWith('aws ') ? !bootstrap.includes(c) : !code.has(c)));
    expect(stale).toEqual([]);
  });
});
