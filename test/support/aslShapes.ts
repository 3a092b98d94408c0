import type { AslDefinition } from '../../local/console/asl';

/** A machine with every shape the console draws: Choice, Parallel with two branches, Map, Catch. */
export const SHAPES: AslDefinition = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.kind', StringEquals: 'batch', Next: 'EachItem' },
        {
          And: [
            { Variable: '$.n', NumericGreaterThan: 1 },
            { Variable: '$.n', NumericLessThan: 9 },
          ],
          Next: 'Both',
        },
      ],
      Default: 'Done',
    },
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: { Left: { Type: 'Pass', End: true } } },
        {
          StartAt: 'Right',
          States: { Right: { Type: 'Pass', Next: 'RightAgain' }, RightAgain: { Type: 'Pass', End: true } },
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
      Next: 'Done',
    },
    EachItem: {
      Type: 'Map',
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
      Next: 'Done',
    },
    Recover: { Type: 'Pass', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};
