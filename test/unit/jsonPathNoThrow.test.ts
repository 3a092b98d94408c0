import { createRequire } from 'node:module';
import { withoutThrow, type JsonPathPlus } from '../../local/sfn/jsonPathNoThrow';

// The jsonpath-plus the ASL engine's bundle loads (aslInternals.ts resolves it the same way).
const plus = createRequire(require.resolve('aws-local-stepfunctions'))('jsonpath-plus') as JsonPathPlus;
const fast = withoutThrow(plus);

const doc = {
  meetingId: 'm-1',
  zero: 0,
  no: false,
  empty: '',
  nothing: null,
  nested: { a: { b: [1, 2, { c: 'deep' }] } },
  list: [{ id: 1 }, { id: 2 }],
  one: [{ id: 7 }],
};

describe("jsonpath-plus without its NewError throw (the local engine's copy)", () => {
  // The engine calls JSONPath({ path, json, wrap: false }) (aws-local-stepfunctions jsonPathQuery): every
  // kind of answer — scalar, object, array, several matches, no match, falsy documents — must be the same.
  const paths = [
    '$',
    '$.meetingId',
    '$.zero',
    '$.no',
    '$.empty',
    '$.nothing',
    '$.missing',
    '$.nested.a',
    '$.nested.a.b[2].c',
    '$.nested.a.b[5]',
    '$.list',
    '$.list[*].id',
    '$.one[*].id',
    '$..id',
    '$.list[?(@.id > 1)]',
    "$['meetingId']",
    '$.meetingId.length',
    '$.list.length',
    '$.nested.a.b.length',
    '$.nothing.x',
    '$.zero.x',
    '$.__proto__',
    '$.constructor',
    '$.toString',
    '$.nested.a.b.0',
  ];
  test.each(paths)('%s answers what jsonpath-plus answers', (path) => {
    expect(fast.JSONPath({ path, json: doc, wrap: false })).toEqual(
      plus.JSONPath({ path, json: doc, wrap: false }),
    );
  });

  test.each([0, '', false, null, 'text', 5, [1, 2]])('on the document %p as well', (json) => {
    for (const path of ['$', '$.a', '$[0]', '$.length'])
      expect(fast.JSONPath({ path, json, wrap: false })).toEqual(plus.JSONPath({ path, json, wrap: false }));
  });

  test('wrap: true and other call forms are passed through unchanged', () => {
    expect(fast.JSONPath({ path: '$.meetingId', json: doc })).toEqual(['m-1']);
    expect(fast.JSONPath('$.zero', doc)).toEqual([0]);
  });

  test('errors of a bad path still reach the caller', () => {
    expect(() => fast.JSONPath({ path: '$.list[?(@.id >', json: doc, wrap: false })).toThrow();
  });
});
