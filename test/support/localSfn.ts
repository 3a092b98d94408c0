import { SFNClient } from '@aws-sdk/client-sfn';
import type { Server } from 'node:http';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';
import { LocalStepFunctions, type EngineOptions } from '../../local/sfn/engine';
import { listen, sfnApi } from '../../local/sfn/server';
import { MemoryStateStore } from '../../local/sfn/stateStore';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/sfn`;
export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

export interface LocalSfn {
  engine: LocalStepFunctions;
  sfn: SFNClient;
  url: string;
  close(): Promise<void>;
}

/** The local Step Functions engine behind its HTTP API on a free loopback port, with a real SDK client. */
export async function startLocalSfn(options: Partial<EngineOptions> = {}): Promise<LocalSfn> {
  const engine = new LocalStepFunctions({
    region: REGION,
    account: ACCOUNT,
    store: new MemoryStateStore(),
    functions: {},
    ...options,
  });
  await engine.start();
  const { server, url } = await listen(sfnApi(engine), 0);
  // StartSyncExecution and TestState have a host prefix (sync-) on AWS; a loopback endpoint needs it off.
  const sfn = new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    disableHostPrefix: true,
  });
  return {
    engine,
    sfn,
    url,
    close: async () => {
      await engine.close();
      sfn.destroy();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Polls `check` until it answers something truthy (generous: these machines are shared and slow). */
export async function until<T>(check: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let settledMachines = 0;

/**
 * Creates a machine on the engine directly (no HTTP), runs one execution and answers how it settled: for the
 * semantics tests, which read the engine's own record of the end.
 */
export function settleOnEngine(local: LocalSfn, definition: object, input: unknown) {
  const m = local.engine.createStateMachine({
    name: `settle-${++settledMachines}`,
    definition: JSON.stringify(definition),
    roleArn: ROLE,
  });
  const e = local.engine.startExecution({ stateMachineArn: m.stateMachineArn, input: JSON.stringify(input) });
  return local.engine.whenSettled(e.executionArn);
}
