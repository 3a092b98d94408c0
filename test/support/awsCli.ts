import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * One `aws stepfunctions …` call (the AWS CLI v1 on the PATH) against a local endpoint, with throwaway
 * credentials. Asynchronous: the endpoint often lives in the calling process, where a blocking spawn would
 * deadlock it. A non-zero exit rejects with execFile's error, which carries the CLI's `stderr`.
 */
export async function awsStepFunctions(
  endpoint: string,
  args: string[],
): Promise<{ output: Record<string, unknown>; stderr: string }> {
  const { stdout, stderr } = await run(
    'aws',
    ['stepfunctions', ...args, '--endpoint-url', endpoint, '--output', 'json'],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    },
  );
  return { output: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
}
