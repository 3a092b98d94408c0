import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';
import { ROLE, startLocalSfn, until } from '../support/localSfn';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** SFN_WAIT_SCALE: every Wait lasts that fraction of its length: Seconds, Timestamp, the paths, and in branches. */
describe('SFN_WAIT_SCALE', () => {
  test('scales top-level and nested Waits of every kind', async () => {
    const local = await startLocalSfn({ waitScale: 0.001 });
    try {
      const inAnHour = new Date(Date.now() + 3600_000).toISOString();
      const definition = {
        StartAt: 'Seconds',
        States: {
          Seconds: { Type: 'Wait', Seconds: 1000, Next: 'Timestamp' },
          Timestamp: { Type: 'Wait', Timestamp: inAnHour, Next: 'Both' },
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'SecondsPath',
                States: { SecondsPath: { Type: 'Wait', SecondsPath: '$.s', End: true } },
              },
              {
                StartAt: 'TimestampPath',
                States: { TimestampPath: { Type: 'Wait', TimestampPath: '$.at', End: true } },
              },
            ],
            End: true,
          },
        },
      };
      const { stateMachineArn } = await local.sfn.send(
        new CreateStateMachineCommand({
          name: 'scaled',
          definition: JSON.stringify(definition),
          roleArn: ROLE,
        }),
      );
      const started = Date.now();
      const { executionArn } = await local.sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ s: 2000, at: inAnHour }) }),
      );
      const done = await local.engine.whenSettled(executionArn!);
      const elapsed = Date.now() - started;
      expect(done.status).toBe('SUCCEEDED');
      // 1000 s + 1 h + max(2000 s, 1 h) scaled by 0.001: 1 s + 3.6 s + 3.6 s.
      expect(elapsed).toBeGreaterThanOrEqual(8000);
      expect(elapsed).toBeLessThan(60_000);
    } finally {
      await local.close();
    }
  }, 90_000);

  test('`npm start` (local/start.ts) honours it', async () => {
    const child = spawn(TSX, ['local/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        IN_MEMORY: '1',
        API_PORT: '0',
        SFN_PORT: '0',
        DYNAMODB_PORT: '0',
        LAMBDA_PORT: '0',
        SFN_WAIT_SCALE: '0.001',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await until(() => /Step Functions\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 60_000);
      expect(out).toContain('Waits scaled by  0.001 (SFN_WAIT_SCALE)');
      const sfn = new SFNClient({ endpoint: url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'hour',
          roleArn: ROLE,
          definition: JSON.stringify({
            StartAt: 'W',
            States: { W: { Type: 'Wait', Seconds: 3600, End: true } },
          }),
        }),
      );
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
      const status = await until(async () => {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return d.status === 'RUNNING' ? undefined : d.status;
      }, 60_000);
      expect(status).toBe('SUCCEEDED');
      sfn.destroy();
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);

  test('a scale outside (0, 1] is refused at start, naming the variable', () => {
    const run = spawnSync(TSX, ['local/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, IN_MEMORY: '1', SFN_WAIT_SCALE: '2' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('SFN_WAIT_SCALE');
  }, 90_000);
});
