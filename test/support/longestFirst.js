// Longest files first. Jest orders a first run (a clean clone in CI: no timing cache) by file size, so the
// real-time lifecycle files, a minute or more each, could start last and set the whole suite's length on their
// own. These start first; Jest's own order (its timing cache when there is one) applies to the rest.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest loads a sequencer as CommonJS
const Sequencer = require('@jest/test-sequencer').default;

/** Measured in CI (2026-12-03, 2 workers), longest first. */
const LONGEST = [
  'test/integration/burstFaults.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/joinPage.test.ts',
  'test/integration/faults.test.ts',
  'test/sim/topOfHour.test.ts',
  'test/integration/console.test.ts',
  'test/sim/model.test.ts',
  'test/integration/sfnWaitScale.test.ts',
  'test/infra/synth.test.ts',
  'test/integration/meetingCost.test.ts',
  'test/infra/stack.test.ts',
];

class LongestFirst extends Sequencer {
  sort(tests) {
    const rank = (t) => {
      const i = LONGEST.findIndex((suffix) => t.path.endsWith(suffix));
      return i === -1 ? LONGEST.length : i;
    };
    const byJest = super.sort(tests);
    const position = new Map(byJest.map((t, i) => [t, i]));
    return [...byJest].sort((a, b) => rank(a) - rank(b) || position.get(a) - position.get(b));
  }
}

module.exports = LongestFirst;
