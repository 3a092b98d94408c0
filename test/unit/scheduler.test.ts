import { Scheduler } from '../../local/sfn/scheduler';

/**
 * The wake-up order of the local engine's scheduler: by time, and at the same instant (a herd: lessons on the
 * hour) in the order the executions were scheduled, across the batches the scheduler runs them in.
 */
describe('scheduler wake-up order', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  test('a herd due at one instant wakes first come, first served, earlier wake-ups before it', () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    const at = Date.now() + 5_000;
    const herd = Array.from({ length: 1_000 }, (_, i) => `m-${i}`);
    for (const key of herd) scheduler.schedule(key, at, () => ran.push(key));
    scheduler.schedule('earlier', at - 1, () => ran.push('earlier'));
    scheduler.schedule('later', at + 1, () => ran.push('later'));
    jest.advanceTimersByTime(5_000);
    // The herd's later batches (with a setImmediate between them).
    for (let i = 0; i < 10 && ran.length < 1 + herd.length; i++) jest.runOnlyPendingTimers();
    expect(ran.slice(0, 1 + herd.length)).toEqual(['earlier', ...herd]);
    jest.advanceTimersByTime(1);
    expect(ran.at(-1)).toBe('later');
    expect(ran).toHaveLength(herd.length + 2);
  });

  test('a wake-up scheduled again goes behind those already waiting for the same instant', () => {
    const scheduler = new Scheduler();
    const ran: string[] = [];
    const at = Date.now() + 1_000;
    for (const key of ['a', 'b', 'c']) scheduler.schedule(key, at, () => ran.push(key));
    scheduler.schedule('a', at, () => ran.push('a again'));
    scheduler.cancel('b');
    jest.advanceTimersByTime(1_000);
    expect(ran).toEqual(['c', 'a again']);
  });
});
