/**
 * The plain side of the booking benchmark: the two Step Functions operations the booking path calls
 * (CreateStateMachine at stack start, StartExecution per booking) over AWS JSON 1.0, each StartExecution one
 * `StateMachine.run` of plain aws-local-stepfunctions. Passed to startLocalStack as its externalSfnEndpoint,
 * so both sides serve the same API handler and dynalite and differ only in the Step Functions behind them.
 * Nothing is kept but the runs: no names, no history, no store (what the engine adds is what is measured).
 */
import '../local/polyfills';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import type { TaskFunctions } from './sides';

export interface PlainSfnApi {
  url: string;
  started(): number;
  close(): Promise<void>;
}

export async function startPlainSfnApi(tasks: TaskFunctions): Promise<PlainSfnApi> {
  const machines = new Map<string, StateMachine>();
  const aborts: Array<() => void> = [];
  const ignore = () => undefined;

  const actions: Record<string, (body: Record<string, string>) => unknown> = {
    CreateStateMachine: (b) => {
      const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${b.name}`;
      machines.set(stateMachineArn, new StateMachine(JSON.parse(b.definition)));
      return { stateMachineArn, creationDate: Date.now() / 1000 };
    },
    StartExecution: (b) => {
      const machine = machines.get(b.stateMachineArn);
      if (!machine) throw Object.assign(new Error(b.stateMachineArn), { type: 'StateMachineDoesNotExist' });
      const run = machine.run(JSON.parse(b.input ?? '{}'), {
        overrides: { taskResourceLocalHandlers: tasks as never },
        noThrowOnAbort: true,
      });
      aborts.push(run.abort);
      run.result.catch(ignore);
      const executionArn = b.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${b.name}`;
      return { executionArn, startDate: Date.now() / 1000 };
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      const action = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const handler = actions[action];
      if (!handler) return answer(400, { __type: 'UnknownOperationException', message: action });
      try {
        answer(200, handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
      } catch (err) {
        const type = (err as { type?: string }).type ?? 'InvalidDefinition';
        answer(400, { __type: type, message: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    started: () => aborts.length,
    async close() {
      for (const abort of aborts) abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
