/**
 * What holds the memory: two V8 heap snapshots (node:v8 writeHeapSnapshot) compared by kind of object —
 * constructor name for objects, one bucket for all strings, one for closures — as count and bytes (self size)
 * gained per meeting. Self sizes add up to the heap growth; they tell which objects, not who retains them.
 */
import { readFileSync } from 'node:fs';

export interface HeapGrowth {
  kind: string;
  countPerMeeting: number;
  bytesPerMeeting: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

type Totals = Map<string, { count: number; bytes: number }>;

export function kindOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name || '(anonymous object)';
  if (type.includes('string')) return '(strings)';
  if (type === 'closure') return '(closures)';
  if (type === 'array' || type === 'hidden' || type === 'synthetic') return `(${type}) ${name.slice(0, 40)}`;
  return `(${type})`;
}

export function totalsOf(snapshot: Snapshot): Totals {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const totals: Totals = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = kindOf(types[snapshot.nodes[i + typeAt]], snapshot.strings[snapshot.nodes[i + nameAt]]);
    const t = totals.get(kind) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += snapshot.nodes[i + sizeAt];
    totals.set(kind, t);
  }
  return totals;
}

/** The kinds of object that grew most between two snapshot files, per meeting, largest first. */
export function heapGrowth(beforeFile: string, afterFile: string, meetings: number, top = 15): HeapGrowth[] {
  const read = (file: string) => totalsOf(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
  const before = read(beforeFile);
  const after = read(afterFile);
  return [...after]
    .map(([kind, a]) => {
      const b = before.get(kind) ?? { count: 0, bytes: 0 };
      return {
        kind,
        countPerMeeting: (a.count - b.count) / meetings,
        bytesPerMeeting: (a.bytes - b.bytes) / meetings,
      };
    })
    .sort((x, y) => y.bytesPerMeeting - x.bytesPerMeeting)
    .slice(0, top);
}
