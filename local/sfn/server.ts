import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionRecord, LocalStepFunctions, StateMachineRecord } from './engine';
import { SfnError } from './errors';

type Body = Record<string, unknown>;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
const MAX_BODY = 1024 * 1024;

/**
 * The Step Functions API (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`) over a LocalStepFunctions,
 * like Step Functions Local on :8083: @aws-sdk/client-sfn and `aws stepfunctions --endpoint-url` work unchanged.
 */
export function sfnApi(engine: LocalStepFunctions) {
  const str = (body: Body, key: string, required = true): string | undefined => {
    const v = body[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length === 0)
      throw new SfnError('ValidationException', `${key} is required and must be a string`);
    return v;
  };
  const page = <T>(items: T[], body: Body) => {
    const max = body.maxResults === undefined || body.maxResults === 0 ? 100 : Number(body.maxResults);
    if (!Number.isInteger(max) || max < 1 || max > 1000)
      throw new SfnError('ValidationException', 'maxResults must be 1–1000');
    const start =
      body.nextToken === undefined ? 0 : Number(Buffer.from(String(body.nextToken), 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw new SfnError('InvalidToken', 'nextToken is not valid');
    const slice = items.slice(start, start + max);
    const next =
      start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
    return { slice, next };
  };
  const machineView = (m: StateMachineRecord) => ({
    stateMachineArn: m.stateMachineArn,
    name: m.name,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: seconds(m.creationDate),
  });
  const executionView = (e: ExecutionRecord) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: seconds(e.stopDate),
  });

  const actions: Record<string, (body: Body) => unknown> = {
    CreateStateMachine: (b) => {
      const m = engine.createStateMachine({
        name: str(b, 'name')!,
        definition: str(b, 'definition')!,
        roleArn: str(b, 'roleArn')!,
        type: str(b, 'type', false),
      });
      return { stateMachineArn: m.stateMachineArn, creationDate: seconds(m.creationDate) };
    },
    DescribeStateMachine: (b) => machineView(engine.describeStateMachine(str(b, 'stateMachineArn')!)),
    ListStateMachines: (b) => {
      const { slice, next } = page(engine.listStateMachines(), b);
      return {
        stateMachines: slice.map((m) => ({
          stateMachineArn: m.stateMachineArn,
          name: m.name,
          type: m.type,
          creationDate: seconds(m.creationDate),
        })),
        nextToken: next,
      };
    },
    StartExecution: (b) => {
      const e = engine.startExecution({
        stateMachineArn: str(b, 'stateMachineArn')!,
        name: str(b, 'name', false),
        input: str(b, 'input', false),
      });
      return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
    },
    DescribeExecution: (b) => {
      const e = engine.describeExecution(str(b, 'executionArn')!);
      return { ...executionView(e), input: e.input, output: e.output, error: e.error, cause: e.cause };
    },
    ListExecutions: (b) => {
      const status = str(b, 'statusFilter', false);
      if (
        status &&
        !['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'].includes(status)
      ) {
        throw new SfnError('ValidationException', `statusFilter ${status} is not a status`);
      }
      const { slice, next } = page(engine.listExecutions(str(b, 'stateMachineArn')!, status), b);
      return { executions: slice.map(executionView), nextToken: next };
    },
    StopExecution: (b) => {
      const e = engine.stopExecution(str(b, 'executionArn')!, str(b, 'error', false), str(b, 'cause', false));
      return { stopDate: seconds(e.stopDate) };
    },
    GetExecutionHistory: (b) => {
      const e = engine.describeExecution(str(b, 'executionArn')!);
      const all = engine.history(e.executionArn);
      const events = b.reverseOrder === true ? all.reverse() : all;
      const { slice, next } = page(events, b);
      return { events: slice.map((ev) => ({ ...ev, timestamp: seconds(ev.timestamp) })), nextToken: next };
    },
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': crypto.randomUUID(),
      });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST')
        throw new SfnError('UnknownOperationException', 'only POST is supported', 404);
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
      const run = actions[action];
      if (!run)
        throw new SfnError('UnknownOperationException', `unknown operation ${target || '(no X-Amz-Target)'}`);
      const raw = await readBody(req);
      let body: Body;
      try {
        body = raw ? (JSON.parse(raw) as Body) : {};
      } catch {
        throw new SfnError('SerializationException', 'body is not valid JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new SfnError('SerializationException', 'body must be a JSON object');
      answer(200, run(body));
    } catch (err) {
      if (err instanceof SfnError) answer(err.statusCode, { __type: err.type, message: err.message });
      else {
        console.error('local Step Functions API error', err);
        answer(500, { __type: 'InternalFailure', message: String(err) });
      }
    }
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new SfnError('ValidationException', 'request body too large', 413));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}
