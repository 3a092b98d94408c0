import { TaskFailure } from '../local/sfn/taskResources';
import type { VirtualClock } from './clock';

/**
 * The account's Lambda concurrency (one pool for every function of the Region): an invocation that finds
 * `limit` invocations running is refused as Step Functions sees a throttled Lambda, the error
 * Lambda.TooManyRequestsException, which the ASL's Retry blocks name. Each function keeps warm containers
 * (execution environments): an invocation takes an idle one or starts a new one (a cold start, `coldStartMs`),
 * and each container builds its own clients once, as a Lambda container does, so every container has its own
 * SDK retry quota.
 */
export class LambdaGate {
  active = 0;
  peak = 0;
  invocations = 0;
  throttled = 0;
  coldStarts = 0;

  constructor(
    private readonly clock: VirtualClock,
    readonly limit: number,
    private readonly options: { invokeMs: number; coldStartMs: number },
  ) {}

  /** A function of `build(container)`'s handler, behind the gate, with a pool of containers. */
  function<C>(build: () => C, handler: (container: C, input: unknown) => Promise<unknown>) {
    const idle: C[] = [];
    return async (input: unknown): Promise<unknown> => {
      this.invocations++;
      if (this.active >= this.limit) {
        this.throttled++;
        throw new TaskFailure('Lambda.TooManyRequestsException', 'Rate Exceeded.');
      }
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      let container = idle.pop();
      try {
        if (!container) {
          this.coldStarts++;
          await this.clock.sleep(this.options.coldStartMs);
          container = build();
        } else await this.clock.sleep(this.options.invokeMs);
        return await handler(container, input);
      } finally {
        this.active--;
        if (container) idle.push(container);
      }
    };
  }
}
