import { parseSmokeArgs, UsageError } from '../../../smoke/args';

const error = (argv: string[]) => {
  try {
    parseSmokeArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('parsed without an error');
};

describe('the smoke test command line', () => {
  test('only --api is needed: a 15-minute meeting 7 minutes ahead, read every 5 s, 5 minutes of grace', () => {
    expect(parseSmokeArgs(['--api', 'https://abc.execute-api.eu-west-1.amazonaws.com/'])).toEqual({
      api: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      join: false,
      staging: false,
      startInMs: 7 * 60_000,
      durationMinutes: 15,
      graceMs: 5 * 60_000,
      pollMs: 5000,
    });
  });

  test('every flag, in both spellings (--flag value and --flag=value)', () => {
    expect(
      parseSmokeArgs([
        '--api=http://127.0.0.1:3000',
        '--token',
        'eyJ.x.y',
        '--join',
        '--staging',
        '--sfn-endpoint',
        'http://127.0.0.1:8083',
        '--region=eu-central-1',
        '--start-in',
        '90s',
        '--duration=20',
        '--grace',
        '1h',
        '--poll',
        '250ms',
      ]),
    ).toEqual({
      api: 'http://127.0.0.1:3000',
      token: 'eyJ.x.y',
      join: true,
      staging: true,
      sfnEndpoint: 'http://127.0.0.1:8083',
      region: 'eu-central-1',
      startInMs: 90_000,
      durationMinutes: 20,
      graceMs: 3_600_000,
      pollMs: 250,
    });
  });

  test('--help asks for the usage', () => {
    expect(parseSmokeArgs(['--help'])).toBe('help');
  });

  test.each([
    [[], '--api is required'],
    [['--api', 'ftp://host'], '--api must be an http(s) URL'],
    [['--api', 'http://h', '--sfn-endpoint', 'nope'], '--sfn-endpoint must be an http(s) URL'],
    [['--api', 'http://h', '--region', 'Frankfurt'], '--region must be an AWS region such as eu-central-1'],
    [['--api', 'http://h', '--start-in', 'soon'], '--start-in must be a duration like 90s, 7m or 1h'],
    [['--api', 'http://h', '--start-in', '500ms'], '--start-in must be at least 1s'],
    [['--api', 'http://h', '--duration', '1.5'], '--duration must be a whole number of minutes'],
    [['--api', 'http://h', '--duration', '0'], '--duration must be at least 1'],
    [['--api', 'http://h', '--duration', '481'], '--duration must be at most 480'],
    [['--api', 'http://h', '--poll', '10ms'], '--poll must be at least 50ms'],
    [['--api', 'http://h', '--token', ''], '--token must not be empty'],
  ])('%j is refused naming the flag: %s', (argv, message) => {
    expect(error(argv)).toBe(message);
  });

  test('an unknown flag, a missing value and a stray word are refused by name', () => {
    expect(error(['--api', 'http://h', '--jion'])).toMatch(/Unknown option '--jion'/);
    expect(error(['--api'])).toMatch(/'--api <value>' argument missing/);
    expect(error(['--api', 'http://h', 'extra'])).toMatch(/Unexpected argument 'extra'/);
  });
});
