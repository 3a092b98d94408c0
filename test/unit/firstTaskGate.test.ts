import { FirstTaskGate, firstTasksFirst, MAX_HOLD_MS } from '../../local/sfn/firstTasksFirst';

const settledYet = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};
const NONE_SCHEDULED = () => Infinity;

describe('first tasks first (the gate)', () => {
  test('opens once every segment due by then has arrived, not before', async () => {
    const gate = new FirstTaskGate(NONE_SCHEDULED, () => 100);
    const a = gate.enter(100);
    const b = gate.enter(100);
    expect(a.arrive()).toBe(true);
    const waiting = a.opened();
    expect(await settledYet(waiting)).toBe(false);
    expect(b.arrive()).toBe(true);
    expect(await settledYet(waiting)).toBe(true);
    // Arriving twice counts once.
    expect(b.arrive()).toBe(false);
  });

  test('stays shut while the scheduler still holds wake-ups due by then (the next batches of a herd)', async () => {
    let nextDue = 100;
    const gate = new FirstTaskGate(
      () => nextDue,
      () => 100,
    );
    const a = gate.enter(100);
    a.arrive();
    const waiting = a.opened();
    expect(await settledYet(waiting)).toBe(false);
    nextDue = Infinity; // the scheduler started the last batch
    const b = gate.enter(100);
    expect(await settledYet(waiting)).toBe(false);
    b.arrive();
    expect(await settledYet(waiting)).toBe(true);
  });

  test('never waits for segments due later: a steady stream of wake-ups cannot hold a segment back', async () => {
    let now = 100;
    const gate = new FirstTaskGate(
      () => 250,
      () => now,
    );
    const a = gate.enter(100);
    const b = gate.enter(100);
    a.arrive();
    now = 150;
    const waiting = a.opened();
    gate.enter(200); // due after `a` got to its first task: on its way, but not a's business
    b.arrive();
    expect(await settledYet(waiting)).toBe(true);
  });

  test(`a wait is bounded: released after ${MAX_HOLD_MS / 1000} s whatever is still on its way`, async () => {
    jest.useFakeTimers();
    try {
      const gate = new FirstTaskGate(() => 0);
      const a = gate.enter(Date.now());
      a.arrive();
      const waiting = a.opened();
      jest.advanceTimersByTime(MAX_HOLD_MS - 200);
      expect(await settledYet(waiting)).toBe(false);
      jest.advanceTimersByTime(400);
      expect(await settledYet(waiting)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  test("the gated handlers: the segment's first call runs at once, what follows it waits for the herd", async () => {
    const gate = new FirstTaskGate(NONE_SCHEDULED, () => 100);
    const calls: string[] = [];
    const handler = (name: string) => async (input: unknown) => {
      calls.push(name);
      return input;
    };
    const mine = firstTasksFirst({ First: handler('First'), Second: handler('Second') }, gate.enter(100));
    const other = gate.enter(100); // another due execution, still on its way to its first task
    const first = mine.First(1);
    const second = mine.Second(2);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(calls).toEqual(['First']);
    expect(await settledYet(first)).toBe(false);
    other.arrive();
    await expect(first).resolves.toBe(1);
    await expect(second).resolves.toBe(2);
    expect(calls).toEqual(['First', 'Second']);
  });
});
