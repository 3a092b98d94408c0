import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SfnError } from './errors';
import type { HistoryRecorder } from './history';

/** A Lambda function the local engine can call in-process, keyed by its ARN. */
export type LocalFunction = (input: unknown) => Promise<unknown>;

/** Where Task states go when nothing in-process answers them. */
export interface TaskEndpoints {
  /** Lambda Invoke API for functions not registered in-process (Step Functions Local's LAMBDA_ENDPOINT). */
  lambdaEndpoint?: string;
  /** DynamoDB endpoint for `arn:aws:states:::dynamodb:*` (the local stack's dynalite). */
  dynamodbEndpoint?: string;
}

/**
 * A task's error, named as Step Functions names it, so Retry and Catch match it (`ErrorEquals`) and the
 * engine can tell a task's failure (any name goes) from a fault of the engine itself (States.Runtime).
 */
export class TaskFailure extends Error {
  readonly taskFailure = true;
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]+)?$/;
const DYNAMODB = /^arn:aws[a-z-]*:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/;
const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
/** What AWS accepts as a Task Resource: an ARN (service integrations, Lambda, activities). */
const ANY_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:[^\s]+$/;

/** CreateStateMachine: AWS refuses a Resource that is not an ARN; any ARN is accepted here (mocks may answer it). */
export function checkResource(stateName: string, resource: unknown): void {
  if (typeof resource !== 'string' || !ANY_ARN.test(resource)) {
    throw new SfnError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value is not a valid resource ARN at /States/${stateName}/Resource'`,
    );
  }
}

export type TaskKind = 'lambda' | 'integration';
/** Direct Lambda ARNs log LambdaFunction* events; service integrations (arn:aws:states:::…) log Task* events. */
export const taskKind = (resource: string): TaskKind =>
  LAMBDA_ARN.test(resource) ? 'lambda' : 'integration';

/**
 * Runs Task resources the way Step Functions would, locally: in-process functions first, then the configured
 * Lambda endpoint; DynamoDB's four item calls against the local DynamoDB; anything else fails, clearly.
 */
export class TaskResources {
  private lambda?: LambdaClient;
  private dynamodb?: DynamoDBClient;

  constructor(
    private readonly functions: Record<string, LocalFunction>,
    private readonly endpoints: TaskEndpoints,
    readonly region: string,
  ) {}

  close(): void {
    this.lambda?.destroy();
    this.dynamodb?.destroy();
  }

  /** The in-process function for a name, partial ARN or full ARN (with or without a qualifier). */
  private localFunction(nameOrArn: string): LocalFunction | undefined {
    if (this.functions[nameOrArn]) return this.functions[nameOrArn];
    const name = LAMBDA_ARN.exec(nameOrArn)?.[1] ?? nameOrArn.split(':').pop();
    const hit = Object.entries(this.functions).find(([arn]) => LAMBDA_ARN.exec(arn)?.[1] === name);
    return hit?.[1];
  }

  /** Calls a function by name or ARN, in-process or on the Lambda endpoint, as a Lambda Invoke would. */
  private async callFunction(nameOrArn: string, payload: unknown): Promise<unknown> {
    const local = this.localFunction(nameOrArn);
    if (local) {
      try {
        return await local(payload);
      } catch (err) {
        if (err instanceof TaskFailure) throw err;
        const e = err as Error;
        throw new TaskFailure(e?.name ?? 'Error', e?.message ?? String(err), { cause: err });
      }
    }
    if (!this.endpoints.lambdaEndpoint) {
      // What AWS answers for a function that does not exist (Lambda's ResourceNotFoundException).
      throw new TaskFailure(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${nameOrArn} (no in-process function of that name, and no Lambda endpoint configured)`,
      );
    }
    this.lambda ??= new LambdaClient({
      endpoint: this.endpoints.lambdaEndpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    let out;
    try {
      out = await this.lambda.send(
        new InvokeCommand({
          FunctionName: nameOrArn,
          Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
        }),
      );
    } catch (err) {
      const e = err as Error;
      throw new TaskFailure(`Lambda.${e.name}`, e.message, { cause: err });
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    const body = text ? (JSON.parse(text) as unknown) : null;
    if (out.FunctionError) {
      const { errorType, errorMessage } = (body ?? {}) as { errorType?: string; errorMessage?: string };
      throw new TaskFailure(errorType ?? 'Lambda.Unknown', errorMessage ?? text);
    }
    return body;
  }

  /** Runs one Task state's resource with its effective input, logging the history events AWS logs for it. */
  async run(resource: string, input: unknown, history: HistoryRecorder, timeoutSeconds?: number) {
    if (taskKind(resource) === 'lambda') {
      history.lambdaScheduled(resource, input, timeoutSeconds);
      history.lambdaStarted();
      try {
        const output = await this.callFunction(resource, input);
        history.lambdaSucceeded(output);
        return output;
      } catch (err) {
        history.lambdaFailed((err as Error).name, (err as Error).message);
        throw err;
      }
    }
    history.taskScheduled(resource, this.region, input, timeoutSeconds);
    history.taskStarted(resource);
    try {
      const output = await this.integration(resource, input);
      history.taskSucceeded(resource, output);
      return output;
    } catch (err) {
      history.taskFailed(resource, (err as Error).name, (err as Error).message);
      throw err;
    }
  }

  /** A mocked answer, logged like the real call (Step Functions Local logs mocked tasks the same way). */
  async mocked(resource: string, input: unknown, history: HistoryRecorder, answer: () => Promise<unknown>) {
    const lambda = taskKind(resource) === 'lambda';
    if (lambda) {
      history.lambdaScheduled(resource, input);
      history.lambdaStarted();
    } else {
      history.taskScheduled(resource, this.region, input);
      history.taskStarted(resource);
    }
    try {
      const output = await answer();
      if (lambda) history.lambdaSucceeded(output);
      else history.taskSucceeded(resource, output);
      return output;
    } catch (err) {
      const e = err as Error;
      if (lambda) history.lambdaFailed(e.name, e.message);
      else history.taskFailed(resource, e.name, e.message);
      throw err instanceof TaskFailure ? err : new TaskFailure(e.name, e.message, { cause: err });
    }
  }

  /** A callback task's call (lambda:invoke for lambda:invoke.waitForTaskToken): TaskSubmitted logs its answer. */
  submit(resource: string, input: unknown): Promise<unknown> {
    return this.integration(resource, input);
  }

  private async integration(resource: string, input: unknown): Promise<unknown> {
    if (LAMBDA_INVOKE.test(resource)) {
      const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (typeof FunctionName !== 'string')
        throw new TaskFailure('States.Runtime', 'lambda:invoke needs Parameters.FunctionName (a string)');
      const output = await this.callFunction(FunctionName, Payload ?? {});
      // The shape lambda:invoke answers on AWS: the function's result is under Payload.
      const requestId = crypto.randomUUID();
      return {
        ExecutedVersion: '$LATEST',
        Payload: output,
        SdkHttpMetadata: {
          AllHttpHeaders: { 'X-Amz-Executed-Version': ['$LATEST'], 'x-amzn-RequestId': [requestId] },
          HttpHeaders: { 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId },
          HttpStatusCode: 200,
        },
        SdkResponseMetadata: { RequestId: requestId },
        StatusCode: 200,
      };
    }
    const dynamo = DYNAMODB.exec(resource);
    if (dynamo) return this.dynamodbCall(dynamo[1], input);
    throw new TaskFailure(
      'States.TaskFailed',
      `The local Step Functions cannot call ${resource}: only Lambda functions, lambda:invoke and dynamodb:getItem/putItem/updateItem/deleteItem run locally; mock this state in SFN_MOCK_CONFIG and start the execution with stateMachineArn#TestCase`,
    );
  }

  private async dynamodbCall(action: string, input: unknown): Promise<unknown> {
    if (!this.endpoints.dynamodbEndpoint)
      throw new TaskFailure('States.TaskFailed', `dynamodb:${action}: no local DynamoDB endpoint configured`);
    this.dynamodb ??= new DynamoDBClient({
      endpoint: this.endpoints.dynamodbEndpoint,
      region: this.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const params = input as never;
    const command = {
      getItem: () => new GetItemCommand(params),
      putItem: () => new PutItemCommand(params),
      updateItem: () => new UpdateItemCommand(params),
      deleteItem: () => new DeleteItemCommand(params),
    }[action]!();
    try {
      const { $metadata, ...out } = await this.dynamodb.send(command as never);
      const requestId = ($metadata as { requestId?: string }).requestId ?? crypto.randomUUID();
      return {
        ...(out as object),
        SdkHttpMetadata: { HttpStatusCode: 200, HttpHeaders: { 'x-amzn-RequestId': requestId } },
        SdkResponseMetadata: { RequestId: requestId },
      };
    } catch (err) {
      // Step Functions names DynamoDB errors `DynamoDB.<exception>` (for example DynamoDB.ConditionalCheckFailedException).
      const e = err as Error;
      throw new TaskFailure(`DynamoDB.${e.name}`, e.message, { cause: err });
    }
  }
}
