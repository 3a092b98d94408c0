import { FirstTaskGate, firstTasksFirst, MAX_HOLD_MS } from '../../local/sfn/firstTasksFirst';

const settledYet = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('first tasks first (the gate)', () => {
  test('opens once every started segment has arrived, not before', async () => {
    const gate = new FirstTaskGate(() => false);
    const a = gate.enter();
    const b = gate.enter();
    expect(a.arrive()).toBe(true);
    const waiting = a.opened();
    expect(await settledYet(waiting)).toBe(false);
    expect(b.arrive()).toBe(true);
    expect(await settledYet(waiting)).toBe(true);
    // Arriving twice counts once.
    expect(b.arrive()).toBe(false);
  });

  test('stays shut while the scheduler still has wake-ups due (the next batches of a herd)', async () => {
    let due = true;
    const gate = new FirstTaskGate(() => due);
    const a = gate.enter();
    a.arrive();
    const waiting = a.opened();
    expect(await settledYet(waiting)).toBe(false);
    due = false;
    const b = gate.enter(); // the last batch's segment
    b.arrive();
    expect(await settledYet(waiting)).toBe(true);
  });

  test(`a gate held shut by a steady stream opens anyway after ${MAX_HOLD_MS} ms`, async () => {
    jest.useFakeTimers();
    try {
      const gate = new FirstTaskGate(() => true);
      const a = gate.enter();
      a.arrive();
      const waiting = a.opened();
      jest.advanceTimersByTime(MAX_HOLD_MS - 1);
      expect(await settledYet(waiting)).toBe(false);
      jest.advanceTimersByTime(1);
      expect(await settledYet(waiting)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  test("the gated handlers: the segment's first call runs at once, what follows it waits for the herd", async () => {
    const gate = new FirstTaskGate(() => false);
    const calls: string[] = [];
    const handler = (name: string) => async (input: unknown) => {
      calls.push(name);
      return input;
    };
    const mine = firstTasksFirst({ First: handler('First'), Second: handler('Second') }, gate.enter());
    const other = gate.enter(); // another due execution, still on its way to its first task
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
