import { awsStepFunctions } from '../support/awsCli';
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
    const cli = async (...args: string[]) =>
      (await awsStepFunctions(local.url, args)).output as Record<string, string>;
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
