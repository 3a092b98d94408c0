import { SFNClient } from '@aws-sdk/client-sfn';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';

export interface ChildStack {
  child: ChildProcess;
  /** The Meetings API's base URL (without /meetings). */
  api: string;
  sfn: SFNClient;
  /** kill -9, as a crash: nothing of the stack runs its shutdown; resolves once the process is gone. */
  crash(): Promise<void>;
}

/**
 * `npm start` as a user runs it, as a child process on free ports, keeping its data in `dataDir`; resolves with
 * its URLs once it is up. `env` sets the lifecycle timings (LAUNCH_LEAD_SECONDS…). Every child this starts is
 * killed after the test file (afterAll).
 */
export function childStackLauncher(): (dataDir: string, env: Record<string, string>) => Promise<ChildStack> {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')));
  return (dataDir, env) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../local/start.ts')], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        API_PORT: '0',
        SFN_PORT: '0',
        DYNAMODB_PORT: '0',
        LAMBDA_PORT: '0',
        CONSOLE_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new Promise<ChildStack>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const api = /Meetings API\s+(\S+)\/meetings/.exec(out)?.[1];
        const sfn = /Step Functions\s+(\S+)/.exec(out)?.[1];
        if (api && sfn)
          resolve({
            child,
            api,
            sfn: new SFNClient({ endpoint: sfn, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
            crash: async () => {
              child.kill('SIGKILL');
              await exited;
            },
          });
      });
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });
  };
}
