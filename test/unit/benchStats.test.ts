import { kindOf, totalsOf } from '../../bench/heapSnapshot';
import {
  benchReps,
  benchScale,
  median,
  percentile,
  ratio,
  scaled,
  summarize,
  table,
  target,
} from '../../bench/stats';

describe('bench statistics', () => {
  it('takes the nearest-rank percentile: a latency that was really observed, never an interpolation', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([5, 7], 50)).toBe(5);
    expect(percentile([5, 7], 51)).toBe(7);
    expect(percentile([3], 99)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples numerically, not as strings', () => {
    // A default Array sort would order 100 before 9.
    expect(summarize([9, 100, 20, 3])).toEqual({ n: 4, p50: 9, p99: 100, max: 100 });
  });

  it('gives the p99 of 1,000 samples as the 990th smallest', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(summarize(samples).p99).toBe(990);
  });

  it('reads BENCH_SCALE, refusing values outside (0, 1] with the variable named', () => {
    expect(benchScale({})).toBe(1);
    expect(benchScale({ BENCH_SCALE: '0.1' })).toBe(0.1);
    expect(() => benchScale({ BENCH_SCALE: '0' })).toThrow(/BENCH_SCALE/);
    expect(() => benchScale({ BENCH_SCALE: 'fast' })).toThrow(/BENCH_SCALE/);
    expect(scaled(10_000, 0.1)).toBe(1000);
    expect(scaled(1_000, 0.001, 10)).toBe(10);
  });

  it('takes the median of repeated runs as one of the runs, sorted numerically', () => {
    expect(median([900, 80, 1000, 70, 100])).toBe(100);
    expect(median([30, 10])).toBe(10);
    expect(median([])).toBeNaN();
  });

  it('reads BENCH_REPS, refusing anything but an integer in 1…50 with the variable named', () => {
    expect(benchReps({})).toBe(5);
    expect(benchReps({ BENCH_REPS: '3' })).toBe(3);
    expect(() => benchReps({ BENCH_REPS: '0' })).toThrow(/BENCH_REPS/);
    expect(() => benchReps({ BENCH_REPS: '2.5' })).toThrow(/BENCH_REPS/);
    expect(() => benchReps({ BENCH_REPS: 'many' })).toThrow(/BENCH_REPS/);
  });

  it('prints the engine / plain ratio, and a dash when plain measured nothing', () => {
    expect(ratio(30, 10)).toBe('×3.00');
    expect(ratio(30, 0)).toBe('—');
    expect(ratio(NaN, 10)).toBe('—');
  });

  it('says met only strictly under the target, and never throws when it is missed', () => {
    expect(target(19.9, 20, 'p99 < 20 ms')).toBe('target p99 < 20 ms: met');
    expect(target(20, 20, 'p99 < 20 ms')).toBe('target p99 < 20 ms: NOT MET');
    expect(target(NaN, 20, 'p99 < 20 ms')).toBe('target p99 < 20 ms: not measured');
  });

  it('pads table columns to their widest cell', () => {
    expect(table(['a', 'bb'], [['ccc', 'd']]).split('\n')).toEqual(['a    bb', '---  --', 'ccc  d']);
  });
});

describe('bench heap snapshot totals', () => {
  it('adds self sizes per constructor, with all strings in one bucket', () => {
    const snapshot = {
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
          node_types: [
            [
              'hidden',
              'array',
              'string',
              'object',
              'code',
              'closure',
              'regexp',
              'number',
              'native',
              'synthetic',
              'concatenated string',
            ],
          ] as [string[]],
        },
      },
      strings: ['Timeout', 'some text', 'Object'],
      nodes: [3, 0, 1, 40, 0, 3, 0, 2, 40, 0, 2, 1, 3, 24, 0, 10, 1, 4, 16, 0, 3, 2, 5, 56, 0],
    };
    const totals = totalsOf(snapshot);
    expect(totals.get('Timeout')).toEqual({ count: 2, bytes: 80 });
    expect(totals.get('(strings)')).toEqual({ count: 2, bytes: 40 });
    expect(totals.get('Object')).toEqual({ count: 1, bytes: 56 });
    expect(kindOf('closure', 'onTimeout')).toBe('(closures)');
  });
});
