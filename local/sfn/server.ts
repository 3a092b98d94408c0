import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionRecord, LocalStepFunctions, StateMachineRecord } from './engine';
import { SfnError } from './errors';
import { opsActions } from './opsApi';

type Body = Record<string, unknown>;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
const MAX_BODY = 1024 * 1024;

// ARN shapes per resource kind; anything else answers InvalidArn, as AWS does for a malformed ARN.
const ARN_PREFIX = String.raw`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}`;
const NAME = '[A-Za-z0-9_-]{1,80}';
const STATE_MACHINE_ARN = new RegExp(`${ARN_PREFIX}:stateMachine:${NAME}$`);
/** StartExecution also takes `stateMachineArn#TestCase` (Step Functions Local's mocked test cases). */
const STATE_MACHINE_ARN_WITH_TEST_CASE = new RegExp(`${ARN_PREFIX}:stateMachine:${NAME}(#[^#]+)?$`);
const EXECUTION_ARN = new RegExp(
  `${ARN_PREFIX}:(execution:${NAME}:${NAME}|express:${NAME}:${NAME}:[0-9a-f-]{36})$`,
);
const TAGGABLE_ARN = new RegExp(`${ARN_PREFIX}:(stateMachine|activity):${NAME}$`);

/**
 * The Step Functions API (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`) over a LocalStepFunctions,
 * like Step Functions Local on :8083: @aws-sdk/client-sfn and `aws stepfunctions --endpoint-url` work unchanged.
 * Shapes and error names follow the service model (botocore's data/stepfunctions/2016-11-23/service-2.json).
 */
export function sfnApi(engine: LocalStepFunctions) {
  const str = (body: Body, key: string, required = true): string | undefined => {
    const v = body[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length === 0)
      throw new SfnError('ValidationException', `${key} is required and must be a string`);
    return v;
  };
  const arn = (body: Body, key: string, shape: RegExp): string => {
    const v = str(body, key)!;
    if (!shape.test(v)) throw new SfnError('InvalidArn', `Invalid Arn: '${v}'`);
    return v;
  };
  const page = <T>(items: T[], body: Body) => {
    const max = body.maxResults === undefined || body.maxResults === 0 ? 100 : Number(body.maxResults);
    if (!Number.isInteger(max) || max < 1 || max > 1000)
      throw new SfnError('ValidationException', 'maxResults must be 1–1000');
    const start =
      body.nextToken === undefined ? 0 : Number(Buffer.from(String(body.nextToken), 'base64url').toString());
    if (!Number.isInteger(start) || start < 0 || start > items.length)
      throw new SfnError('InvalidToken', `Invalid Token: '${String(body.nextToken)}'`);
    const slice = items.slice(start, start + max);
    const next =
      start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
    return { slice, next };
  };
  const tagList = (tags: unknown): Record<string, string> => {
    if (tags === undefined) return {};
    if (!Array.isArray(tags))
      throw new SfnError('ValidationException', 'tags must be a list of {key, value}');
    return Object.fromEntries(
      tags.map((t: { key?: unknown; value?: unknown }) => {
        if (typeof t?.key !== 'string' || t.key.length === 0 || t.key.length > 128)
          throw new SfnError('ValidationException', 'every tag needs a key of 1–128 characters');
        if (t.value !== undefined && (typeof t.value !== 'string' || t.value.length > 256))
          throw new SfnError(
            'ValidationException',
            `tag ${t.key}: value must be a string of at most 256 characters`,
          );
        return [t.key, (t.value as string | undefined) ?? ''];
      }),
    );
  };
  const machineView = (m: StateMachineRecord) => ({
    stateMachineArn: m.stateMachineArn,
    name: m.name,
    status: m.status ?? 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: seconds(m.creationDate),
    revisionId: m.revisionId,
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  });
  const executionView = (e: ExecutionRecord) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: seconds(e.stopDate),
  });
  const executionDetail = (e: ExecutionRecord) => ({
    ...executionView(e),
    input: e.input,
    inputDetails: { included: true },
    output: e.output,
    outputDetails: e.output === undefined ? undefined : { included: true },
    error: e.error,
    cause: e.cause,
  });

  const actions: Record<string, (body: Body) => unknown> = {
    CreateStateMachine: (b) => {
      const m = engine.createStateMachine({
        name: str(b, 'name')!,
        definition: str(b, 'definition')!,
        roleArn: str(b, 'roleArn')!,
        type: str(b, 'type', false),
        tags: tagList(b.tags),
      });
      return { stateMachineArn: m.stateMachineArn, creationDate: seconds(m.creationDate) };
    },
    DescribeStateMachine: (b) =>
      machineView(engine.describeStateMachine(arn(b, 'stateMachineArn', STATE_MACHINE_ARN))),
    UpdateStateMachine: (b) => {
      const m = engine.updateStateMachine(arn(b, 'stateMachineArn', STATE_MACHINE_ARN), {
        definition: str(b, 'definition', false),
        roleArn: str(b, 'roleArn', false),
      });
      return { updateDate: seconds(m.updateDate), revisionId: m.revisionId };
    },
    DeleteStateMachine: (b) => {
      engine.deleteStateMachine(arn(b, 'stateMachineArn', STATE_MACHINE_ARN));
      return {};
    },
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
    ValidateStateMachineDefinition: (b) => {
      const definition = str(b, 'definition')!;
      try {
        engine.validateDefinition(definition);
        return { result: 'OK', diagnostics: [], truncated: false };
      } catch (err) {
        if (!(err instanceof SfnError)) throw err;
        const message = err.message.replace(/^Invalid State Machine Definition: /, '');
        const code = /^'?([A-Z_]{4,}):/.exec(message)?.[1] ?? 'SCHEMA_VALIDATION_FAILED';
        return { result: 'FAIL', diagnostics: [{ severity: 'ERROR', code, message }], truncated: false };
      }
    },
    StartExecution: (b) => {
      const e = engine.startExecution({
        stateMachineArn: arn(b, 'stateMachineArn', STATE_MACHINE_ARN_WITH_TEST_CASE),
        name: str(b, 'name', false),
        input: str(b, 'input', false),
      });
      return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
    },
    StartSyncExecution: async (b) => {
      const e = await engine.startSyncExecution({
        stateMachineArn: arn(b, 'stateMachineArn', STATE_MACHINE_ARN_WITH_TEST_CASE),
        name: str(b, 'name', false),
        input: str(b, 'input', false),
      });
      return {
        ...executionDetail(e),
        billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: 100 },
      };
    },
    DescribeExecution: (b) =>
      executionDetail(engine.describeExecution(arn(b, 'executionArn', EXECUTION_ARN))),
    DescribeStateMachineForExecution: (b) => {
      const e = engine.describeExecution(arn(b, 'executionArn', EXECUTION_ARN));
      const m = engine.machineOf(e);
      return {
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        definition: m.definition,
        roleArn: m.roleArn,
        updateDate: seconds(m.updateDate),
        revisionId: e.revisionId,
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      };
    },
    ListExecutions: (b) => {
      const status = str(b, 'statusFilter', false);
      if (
        status &&
        !['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'].includes(status)
      ) {
        throw new SfnError('ValidationException', `statusFilter ${status} is not a status`);
      }
      const machineArn = arn(b, 'stateMachineArn', STATE_MACHINE_ARN);
      const { slice, next } = page(engine.listExecutions(machineArn, status), b);
      return { executions: slice.map(executionView), nextToken: next };
    },
    StopExecution: (b) => {
      const e = engine.stopExecution(
        arn(b, 'executionArn', EXECUTION_ARN),
        str(b, 'error', false),
        str(b, 'cause', false),
      );
      return { stopDate: seconds(e.stopDate) };
    },
    GetExecutionHistory: (b) => {
      const executionArn = arn(b, 'executionArn', EXECUTION_ARN);
      const all = engine.history(executionArn);
      const events = b.reverseOrder === true ? all.reverse() : all;
      const { slice, next } = page(events, b);
      return { events: slice.map((ev) => ({ ...ev, timestamp: seconds(ev.timestamp) })), nextToken: next };
    },
    TestState: (b) =>
      engine.testState({
        definition: str(b, 'definition')!,
        input: str(b, 'input', false),
        roleArn: str(b, 'roleArn', false),
      }),
    TagResource: (b) => {
      engine.tagResource(arn(b, 'resourceArn', TAGGABLE_ARN), tagList(b.tags));
      return {};
    },
    UntagResource: (b) => {
      const keys = b.tagKeys;
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
        throw new SfnError('ValidationException', 'tagKeys must be a list of strings');
      engine.untagResource(arn(b, 'resourceArn', TAGGABLE_ARN), keys as string[]);
      return {};
    },
    ListTagsForResource: (b) => ({
      tags: Object.entries(engine.tagsOf(arn(b, 'resourceArn', TAGGABLE_ARN))).map(([key, value]) => ({
        key,
        value,
      })),
    }),
  };

  // Activities, task tokens, versions and aliases, redrive and map runs (opsApi.ts); some wrap the ones above.
  Object.assign(actions, opsActions(engine, { str, arn, page, tagList }, { ...actions }));

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
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
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
      answer(200, await run(body));
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
  // Idle keep-alive connections are kept longer than any client keeps them (undici: 4 s, the SDK's agent:
  // its socket timeout), so a client never reuses a socket this server is closing at that instant — which
  // fails with ECONNRESET on a loaded machine (Node's default is 5 s). close() still ends idle ones at once.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}
