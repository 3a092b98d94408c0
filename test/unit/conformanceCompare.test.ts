import { parseCase } from '../conformance/caseSchema';
import { eventsDifference, firstDifference, matchesRecordedString } from '../conformance/compare';
import { judge } from '../conformance/runCase';

describe('conformance comparison', () => {
  it('a whole placeholder matches any value, a placeholder inside a string matches any text there', () => {
    expect(
      firstDifference({ arn: '<ExecArn_0>', at: 'timestamp' }, { arn: 'arn:x', at: 1733 }),
    ).toBeUndefined();
    expect(
      matchesRecordedString(
        'arn:aws:states:<region>:111:execution:<name>',
        'arn:aws:states:us-east-1:111:execution:e1',
      ),
    ).toBe(true);
    expect(matchesRecordedString('arn:aws:states:<region>:111', 'arn:aws:states:us-east-1:222')).toBe(false);
    expect(matchesRecordedString('a.b (x)', 'a.b (x)')).toBe(true);
    expect(matchesRecordedString('a.b', 'axb')).toBe(false);
  });

  it('the recorded account 111111111111 stands for any 12 digits; dates and the role are whole-value wildcards', () => {
    expect(
      matchesRecordedString(
        'arn:aws:lambda:<region>:111111111111:function:f',
        'arn:aws:lambda:us-east-1:000000000000:function:f',
      ),
    ).toBe(true);
    expect(
      matchesRecordedString(
        'arn:aws:lambda:<region>:111111111111:function:f',
        'arn:aws:lambda:us-east-1:0000:function:f',
      ),
    ).toBe(false);
    expect(
      firstDifference(
        { StartTime: 'date', RoleArn: 'snf_role_arn' },
        { StartTime: '2026-01-01T00:00:00Z', RoleArn: 'arn:aws:iam::0:role/x' },
      ),
    ).toBeUndefined();
  });

  it('keys the recorded test does not verify are skipped at any depth', () => {
    const ignore = new Set(['SdkHttpMetadata']);
    expect(
      firstDifference(
        { r: { SdkHttpMetadata: { a: 1 }, StatusCode: 200 } },
        { r: { StatusCode: 200 } },
        '$',
        ignore,
      ),
    ).toBeUndefined();
    expect(
      firstDifference(
        { r: { StatusCode: 200 } },
        { r: { StatusCode: 500, SdkHttpMetadata: {} } },
        '$',
        ignore,
      ),
    ).toBe('$.r.StatusCode: expected 200, got 500');
  });

  it('names the path of the first difference, a missing key and an unexpected one', () => {
    expect(firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } })).toBe('$.a.b[1]: expected 2, got 3');
    expect(firstDifference({ a: 1, b: 2 }, { a: 1 })).toBe('$.b: missing (expected 2)');
    expect(firstDifference({ a: 1 }, { a: 1, c: true })).toBe('$.c: unexpected true');
    expect(firstDifference([1], [1, 2])).toBe('$: 1 items expected, got 2 ([1,2])');
    expect(firstDifference(1, '1')).toBe('$: expected 1, got "1"');
    expect(firstDifference(null, null)).toBeUndefined();
  });

  it('names the first event where two histories part', () => {
    expect(eventsDifference(['A', 'B'], ['A', 'B'])).toBeUndefined();
    expect(eventsDifference(['A', 'B', 'C'], ['A', 'C'])).toBe('event #2: expected B, got C (3 vs 2 events)');
    expect(eventsDifference(['A'], ['A', 'B'])).toBe('event #2: expected (end), got B (1 vs 2 events)');
  });

  const failing = parseCase({
    id: 'x',
    source: 'test',
    language: 'JSONata',
    definition: { StartAt: 'F', States: {} },
    expected: { status: 'FAILED', error: 'E', cause: null, events: ['ExecutionStarted', 'ExecutionFailed'] },
  });

  it('a run passes on the same status, error and cause; the events are judged apart', () => {
    const o = judge(failing, {
      status: 'FAILED',
      error: 'E',
      events: ['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed'],
    });
    expect(o.passed).toBe(true);
    expect(o.events).toEqual({
      equal: false,
      difference: 'event #2: expected ExecutionFailed, got FailStateEntered (2 vs 3 events)',
    });
  });

  it('a recorded null cause fails a run that has one; a wrong status says what happened instead', () => {
    expect(judge(failing, { status: 'FAILED', error: 'E', cause: 'c', events: [] }).differences).toEqual([
      'cause: expected null, got "c"',
    ]);
    expect(judge(failing, { status: 'SUCCEEDED', output: { a: 1 }, events: [] }).differences).toEqual([
      'status: expected FAILED, got SUCCEEDED ("{\\"a\\":1}")',
    ]);
  });

  it('a creation error matches on its code, and on its message when one is recorded', () => {
    const refused = parseCase({
      id: 'y',
      source: 'test',
      language: 'JSONata',
      definition: {},
      expected: {
        status: 'CREATION_FAILED',
        creationError: { code: 'InvalidDefinition', message: 'bad <x>' },
      },
    });
    const run = (code: string, message: string) =>
      judge(refused, { status: 'CREATION_FAILED', events: [], creationError: { code, message } }).differences;
    expect(run('InvalidDefinition', 'bad field')).toEqual([]);
    expect(run('InvalidDefinition', 'other')).toEqual(['creation message: expected "bad <x>", got "other"']);
    expect(run('ValidationException', 'bad field')).toEqual([
      'creation error: expected InvalidDefinition, got ValidationException',
    ]);
  });

  it('a case file is refused with the field named', () => {
    expect(() =>
      parseCase({
        id: 'z',
        source: 's',
        language: 'JSONata',
        definition: {},
        expected: { status: 'CREATION_FAILED' },
      }),
    ).toThrow('expected.creationError: creationError is required exactly when status is CREATION_FAILED');
    expect(() =>
      parseCase({
        id: 'z',
        source: 's',
        language: 'YAML',
        definition: {},
        expected: { status: 'SUCCEEDED' },
      }),
    ).toThrow(/^language: /);
  });
});
