import type { AslDefinition, AslState } from '../../local/console/asl';

/**
 * A generated machine of exactly 100 states (nested ones counted) for the console's graph: nine stages of a
 * Choice, a JSONata Task on the branch never taken, a Parallel of two branches and a Pass that assigns a
 * variable; then a Map, a chain of Pass states and, near the end, a Wait of an hour (`Hold`) where an
 * execution started with `{ "alt": false }` stays: its current state is at the bottom of a tall graph.
 */
export function hundredStateMachine(): AslDefinition {
  const states: Record<string, AslState> = {};
  const STAGES = 9;
  for (let k = 0; k < STAGES; k++) {
    const next = k + 1 < STAGES ? `Check stage ${k + 1}` : 'Each item';
    states[`Check stage ${k}`] = {
      Type: 'Choice',
      Choices: [{ Variable: '$.alt', BooleanEquals: true, Next: `Alternative ${k}` }],
      Default: `Work ${k}`,
    };
    states[`Alternative ${k}`] = {
      Type: 'Task',
      QueryLanguage: 'JSONata',
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: { FunctionName: 'alternative', Payload: { stage: k, input: '{% $states.input %}' } },
      Output: '{% $states.result.Payload %}',
      Next: `Join ${k}`,
    };
    states[`Work ${k}`] = {
      Type: 'Parallel',
      Branches: ['left', 'right'].map((side) => ({
        StartAt: `Prepare ${side} ${k}`,
        States: {
          [`Prepare ${side} ${k}`]: { Type: 'Pass', Next: `Finish ${side} ${k}` },
          [`Finish ${side} ${k}`]: { Type: 'Pass', End: true },
        },
      })),
      ResultPath: null,
      Next: `Join ${k}`,
    };
    states[`Join ${k}`] = { Type: 'Pass', Assign: { stage: k }, Next: next };
  }
  states['Each item'] = {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemProcessor: {
      StartAt: 'Read item',
      States: {
        'Read item': { Type: 'Pass', Next: 'Check item' },
        'Check item': { Type: 'Pass', End: true },
      },
    },
    ResultPath: null,
    Next: 'Step 0',
  };
  // 9 × 8 + 3 so far: a chain up to 100, with the Wait as the fourth state from the end.
  const CHAIN = 100 - (STAGES * 8 + 3) - 4;
  for (let i = 0; i < CHAIN; i++)
    states[`Step ${i}`] = { Type: 'Pass', Next: i + 1 < CHAIN ? `Step ${i + 1}` : 'Hold' };
  states.Hold = { Type: 'Wait', Seconds: 3600, Next: 'After hold' };
  states['After hold'] = { Type: 'Pass', Next: 'Last check' };
  states['Last check'] = { Type: 'Pass', Next: 'Done' };
  states.Done = { Type: 'Succeed' };
  return { Comment: 'generated: 100 states', StartAt: 'Check stage 0', States: states };
}
