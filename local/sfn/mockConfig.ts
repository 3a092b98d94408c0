import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SfnError } from './errors';

/**
 * Step Functions Local's mock configuration (the file named by SFN_MOCK_CONFIG): test cases per state machine
 * map task states to mocked responses; each response is keyed by invocation ("0", "1-2", …) and either
 * returns a value or throws an error.
 */
const MockedResponse = z.record(
  z.string().regex(/^\d+(-\d+)?$/, 'keys must be invocation numbers like "0" or ranges like "1-3"'),
  z.union([
    z.object({ Return: z.unknown() }).strict(),
    z.object({ Throw: z.object({ Error: z.string(), Cause: z.string().default('') }) }).strict(),
  ]),
);
export const MockConfig = z.object({
  StateMachines: z.record(
    z.string(),
    z.object({ TestCases: z.record(z.string(), z.record(z.string(), z.string())) }),
  ),
  MockedResponses: z.record(z.string(), MockedResponse),
});
export type MockConfig = z.infer<typeof MockConfig>;

export function parseMockConfig(value: unknown, source = 'mock configuration'): MockConfig {
  const parsed = MockConfig.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  for (const [machine, { TestCases }] of Object.entries(parsed.data.StateMachines)) {
    for (const [testCase, states] of Object.entries(TestCases)) {
      for (const [state, response] of Object.entries(states)) {
        if (!parsed.data.MockedResponses[response]) {
          throw new Error(
            `${source}: ${machine}#${testCase} state ${state} names unknown response ${response}`,
          );
        }
      }
    }
  }
  return parsed.data;
}

export function loadMockConfig(path: string): MockConfig {
  return parseMockConfig(JSON.parse(readFileSync(path, 'utf8')), path);
}

/**
 * The mocked outcome of a task state's `attempt`-th invocation (0-based), or undefined when the test case
 * does not mock this state (the real function runs). Past the last key, the last response repeats.
 */
export function mockedResult(
  config: MockConfig,
  machine: string,
  testCase: string,
  state: string,
  attempt: number,
): (() => Promise<unknown>) | undefined {
  const responseName = config.StateMachines[machine]?.TestCases[testCase]?.[state];
  if (!responseName) return undefined;
  const ranges = Object.entries(config.MockedResponses[responseName]).map(([key, response]) => {
    const [from, to = from] = key.split('-').map(Number);
    return { from, to, response };
  });
  const match =
    ranges.find((r) => attempt >= r.from && attempt <= r.to) ?? ranges.sort((a, b) => b.to - a.to)[0];
  const response = match.response;
  return async () => {
    if ('Throw' in response) throw new SfnError(response.Throw.Error, response.Throw.Cause);
    return response.Return;
  };
}
