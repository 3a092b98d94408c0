import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatResult, loadSuite, runSuite } from '../conformance/suite';

/**
 * The conformance runner on its own small corpus (test/conformance/fixtures: cases written from AWS's
 * documentation, each citing its page) through the local Step Functions API and the real SDK client.
 */
describe('conformance runner', () => {
  it('runs the documented cases: all pass, the service case is excluded, the histories are equal', async () => {
    const result = await runSuite(loadSuite(join(__dirname, '../conformance/fixtures')));
    expect(formatResult(result)).toBe(
      'suite fixtures: 7 cases, 1 need a real AWS service (excluded), 6/6 passed (100.0 %); ' +
        'event sequences equal 5/5 recorded (100.0 %)',
    );
  });

  it('reports a bad file by name and a wrong expectation with a one-line diff, without stopping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
    try {
      writeFileSync(join(dir, 'a-broken.json'), '{ "id": "broken" ');
      writeFileSync(
        join(dir, 'b-no-source.json'),
        JSON.stringify({ id: 'n', language: 'JSONata', definition: {}, expected: { status: 'SUCCEEDED' } }),
      );
      writeFileSync(
        join(dir, 'c-wrong.json'),
        JSON.stringify({
          id: 'wrong',
          source: 'this test',
          language: 'JSONata',
          definition: {
            QueryLanguage: 'JSONata',
            StartAt: 'P',
            States: { P: { Type: 'Pass', Output: '{% 1 + 1 %}', End: true } },
          },
          expected: { status: 'SUCCEEDED', output: 3, events: ['ExecutionStarted', 'ExecutionSucceeded'] },
        }),
      );
      const text = formatResult(await runSuite(loadSuite(dir)));
      const lines = text.split('\n');
      expect(lines[0]).toBe(
        `suite ${dir.split('/').pop()}: 1 cases, 0 need a real AWS service (excluded), 0/1 passed (0.0 %); ` +
          'event sequences equal 0/1 recorded (0.0 %)',
      );
      expect(lines[1]).toMatch(/^ {2}BAD FILE a-broken\.json: .*JSON/);
      expect(lines[2]).toBe(
        '  BAD FILE b-no-source.json: source: Invalid input: expected string, received undefined',
      );
      expect(lines[3]).toBe('  FAIL wrong: output $: expected 3, got 2');
      expect(lines[4]).toBe(
        '  EVENTS wrong: event #2: expected ExecutionSucceeded, got PassStateEntered (2 vs 4 events)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
