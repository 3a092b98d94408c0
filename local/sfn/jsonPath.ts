import { SfnError } from './errors';

/** Reads a reference path (`$`, `$.a.b`, `$.a[0]`), the subset Wait states and InputPath use. */
export function readJsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.')) throw new SfnError('States.Runtime', `unsupported path ${path}`);
  let current: unknown = value;
  for (const part of path.slice(2).split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new SfnError('States.Runtime', `unsupported path ${path}`);
    current = (current as Record<string, unknown> | undefined)?.[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) current = (current as unknown[] | undefined)?.[Number(idx)];
  }
  return current;
}
