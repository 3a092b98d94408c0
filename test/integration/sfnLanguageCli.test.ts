import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * Variables and JSONata through the AWS CLI (v1, `--endpoint-url`) against the local Step Functions API:
 * "Transforming data with JSONata in Step Functions" and "Passing data between states with variables"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html, …/workflow-variables.html).
 */
const JSONATA = { QueryLanguage: 'JSONata' };

describe('Variables and JSONata through the AWS CLI', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn();
  });
  afterAll(() => local.close());

  test('the AWS CLI creates and runs a JSONata machine with variables', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    // Asynchronously: the endpoint lives in this very process, so a blocking spawn would deadlock it.
    const cli = async (...args: string[]) => {
      const res = await promisify(execFile)(
        'aws',
        ['stepfunctions', ...args, '--endpoint-url', local.url, '--output', 'json'],
        { env },
      );
      return JSON.parse(res.stdout) as Record<string, string>;
    };
    const definition = {
      ...JSONATA,
      StartAt: 'Greet',
      States: {
        Greet: {
          Type: 'Pass',
          Assign: { greeting: "{% 'Hello, ' & $states.input.name %}" },
          Output: { length: '{% $length($states.input.name) %}' },
          Next: 'Done',
        },
        Done: {
          Type: 'Pass',
          Output: { text: '{% $greeting %}', length: '{% $states.input.length %}' },
          End: true,
        },
      },
    };
    const { stateMachineArn } = await cli(
      'create-state-machine',
      '--name',
      'cliJsonata',
      '--role-arn',
      ROLE,
      '--definition',
      JSON.stringify(definition),
    );
    const { executionArn } = await cli(
      'start-execution',
      '--state-machine-arn',
      stateMachineArn,
      '--input',
      JSON.stringify({ name: 'María' }),
    );
    // Waits in-process (each CLI call costs a Python start), then reads the outcome through the CLI.
    await local.engine.whenSettled(executionArn);
    const done = await cli('describe-execution', '--execution-arn', executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output)).toEqual({ text: 'Hello, María', length: 5 });
    await expect(
      cli(
        'create-state-machine',
        '--name',
        'cliRefused',
        '--role-arn',
        ROLE,
        '--definition',
        JSON.stringify({
          ...JSONATA,
          StartAt: 'P',
          States: { P: { Type: 'Pass', OutputPath: '$.a', End: true } },
        }),
      ),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/InvalidDefinition[\s\S]*OutputPath/) });
  });
});
