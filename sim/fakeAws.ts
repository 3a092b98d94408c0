import type { RelativeMiddlewareOptions } from '@smithy/types';
import type { VirtualClock } from './clock';
import type { CallMeter } from './meter';
import type { Bucket } from './tokenBucket';
import { takeAll } from './tokenBucket';

/** An API of a fake service: answers the command's input, or throws a service error. */
export type FakeOperation = (input: never) => unknown;

/** The SDK's service exception classes (EC2ServiceException…) take these options. */
type ServiceExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string };
  message?: string;
}) => Error;

/**
 * What a fake service shares: the clock, the meter, how long a call takes, and how its errors are built. An
 * error is the client's own ServiceException subclass with the name and HTTP status the real service answers,
 * so the SDK's standard retry strategy classifies it as it would the real one (RequestLimitExceeded,
 * Throttling and ThrottlingException are throttling errors to it: backoff with full jitter, 500 ms base).
 */
export class FakeService {
  constructor(
    readonly clock: VirtualClock,
    readonly meter: CallMeter,
    private readonly exception: ServiceExceptionClass,
    /** Virtual time one call takes, in ms. */
    private readonly latencyMs: number,
  ) {}

  error(name: string, message: string, httpStatusCode: number): Error {
    return new this.exception({
      name,
      $fault: httpStatusCode >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode },
      message,
    });
  }

  /**
   * Runs one call: waits the call's latency, then takes the tokens it needs (all or none) and answers, or
   * throws `throttle` built by the caller's service.
   */
  async call<T>(
    api: string,
    takes: Array<[Bucket, number]>,
    throttle: () => Error,
    answer: () => T,
  ): Promise<T> {
    await this.clock.sleep(this.latencyMs);
    if (takeAll(takes)) {
      this.meter.recordThrottled(api);
      throw throttle();
    }
    try {
      const out = answer();
      this.meter.recordServed(api);
      return out;
    } catch (err) {
      // A quota (VcpuLimitExceeded) or a not-found answer: served by the service, as an error.
      this.meter.recordRefused(api);
      throw err;
    }
  }
}

/**
 * Routes an SDK client's commands to in-process fakes, right inside the SDK's retry middleware: serialization,
 * the standard retry strategy (3 attempts, exponential backoff with full jitter, its client-side retry quota)
 * and the error classification are the SDK's own; only signing and the HTTP request are skipped.
 */
export function routeToFake(
  client: { middlewareStack: { addRelativeTo(middleware: never, options: RelativeMiddlewareOptions): void } },
  operations: Record<string, FakeOperation>,
  meter: CallMeter,
): void {
  client.middlewareStack.addRelativeTo(
    ((_next: unknown, context: { commandName?: string }) => async (args: { input: unknown }) => {
      const api = (context.commandName ?? '').replace(/Command$/, '');
      meter.recordSent(api);
      const operation = operations[api];
      if (!operation) throw new Error(`the simulation's fake AWS has no ${api}`);
      const output = (await operation(args.input as never)) as object;
      return {
        response: { statusCode: 200, headers: {} },
        output: { ...output, $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } },
      };
    }) as never,
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'simulatedAws', override: true },
  );
}
