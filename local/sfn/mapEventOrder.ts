import { asl, type ProcessItem } from './aslInternals';

/**
 * A Map iteration's MapIterationSucceeded / MapIterationFailed is logged before the next iteration starts, as
 * AWS records it: with MaxConcurrency 1, each MapIterationStarted follows the previous iteration's end (LocalStack's
 * scenarios snapshot test_map_state, recorded against AWS: Started, Pass entered/exited, Succeeded, then the next
 * Started). The library forwards an iteration's events from an async stream that lags behind the iteration's
 * result, so the next item could start (and log MapIterationStarted) first. Here an item counts as done only once
 * its events are forwarded.
 */
type Forward = (logger: unknown, logs: unknown, index: number, ...rest: unknown[]) => Promise<void>;

const P = asl.MapStateAction.prototype as unknown as {
  forwardEventsToRootEventLogger: Forward;
  processItem: ProcessItem;
};
const forward = P.forwardEventsToRootEventLogger;
const processItem = P.processItem;
const forwarding = new WeakMap<object, Map<number, Promise<void>>>();

P.forwardEventsToRootEventLogger = function (this: object, logger, logs, index, ...rest) {
  const done = forward.call(this, logger, logs, index, ...rest);
  const byIndex = forwarding.get(this) ?? new Map<number, Promise<void>>();
  forwarding.set(this, byIndex.set(index, done));
  return done;
};

P.processItem = function (this: object, machine, item, input, context, index, ...rest) {
  const result = processItem.call(this, machine, item, input, context, index, ...rest);
  const done = forwarding.get(this)?.get(index);
  return done ? result.finally(() => done) : result;
};
