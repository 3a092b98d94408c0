import type { AslDefinition } from '../../../local/console/asl';
import {
  assignedVariables,
  queryLanguageOf,
  stateDefinition,
} from '../../../local/console/pages/stateDetails';

/** A JSONata machine (QueryLanguage at the top) with one JSONPath state, as AWS allows mixing them. */
const MIXED: AslDefinition = {
  QueryLanguage: 'JSONata',
  StartAt: 'Fetch',
  States: {
    Fetch: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: { FunctionName: 'fetch', Payload: '{% $states.input %}' },
      Output: '{% $states.result.Payload %}',
      Assign: { order: '{% $states.result.Payload.order %}' },
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $order.total > 100 %}', Assign: { big: true }, Next: 'Legacy' }],
      Default: 'Legacy',
    },
    Legacy: {
      Type: 'Pass',
      QueryLanguage: 'JSONPath',
      InputPath: '$.order',
      ResultPath: '$.copy',
      Parameters: { 'id.$': '$.id' },
      End: true,
    },
  },
};

describe('state details: JSONata and Variables', () => {
  test("a state without its own QueryLanguage takes the machine's; its own wins", () => {
    expect(queryLanguageOf(MIXED.States.Fetch, MIXED)).toEqual({ language: 'JSONata', inherited: true });
    expect(queryLanguageOf(MIXED.States.Legacy, MIXED)).toEqual({ language: 'JSONPath', inherited: false });
    // AWS's default is JSONPath.
    expect(queryLanguageOf({ Type: 'Pass' }, {})).toEqual({ language: 'JSONPath', inherited: true });
  });

  test("the variables a state assigns include its Choice rules' Assign", () => {
    expect(assignedVariables(MIXED.States.Fetch)).toEqual(['order']);
    expect(assignedVariables(MIXED.States.Route)).toEqual(['big']);
  });

  test('a JSONata state shows Arguments, Output and Assign; a JSONPath state its own fields, not the others', () => {
    const fetch = stateDefinition('Fetch', MIXED.States.Fetch, MIXED).value;
    expect(fetch).toContain('<summary>JSONata · Arguments · Output · assigns $order</summary>');
    expect(fetch).toContain('JSONata (the machine’s)');
    expect(fetch).toContain('{% $states.result.Payload %}');
    const legacy = stateDefinition('Legacy', MIXED.States.Legacy, MIXED).value;
    expect(legacy).toContain('<summary>JSONPath · InputPath · Parameters · ResultPath</summary>');
    expect(legacy).not.toContain('data-field="Output"');
  });

  test('values are escaped: an expression with markup is text', () => {
    const state = { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% "<b>" & $x %}', End: true };
    const shown = stateDefinition('P', state, { StartAt: 'P', States: { P: state } }).value;
    expect(shown).not.toContain('<b>');
    expect(shown).toContain('&lt;b&gt;');
  });
});
