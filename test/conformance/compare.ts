/**
 * Comparing what the local engine answered with what AWS recorded. LocalStack's snapshots replace ARNs,
 * names, ids, dates and the account with placeholders (`<ExecArn_0>`, `<uuid:1>`, `"timestamp"`, `"date"`,
 * `"snf_role_arn"`, account `111111111111`), whole values or parts of a string: those parts match anything
 * (the account any 12 digits), the rest must be equal.
 */

const PLACEHOLDER = /<[^<>\s]+>|111111111111/g;
const HAS_PLACEHOLDER = /<[^<>\s]+>|111111111111/;
/** Whole values LocalStack's transformers put in place of dates and the execution role. */
const WHOLE_VALUE_PLACEHOLDERS = new Set(['timestamp', 'date', 'snf_role_arn']);

/** True when an expected string recorded with placeholders matches the actual string. */
export function matchesRecordedString(expected: string, actual: string): boolean {
  if (expected === actual || WHOLE_VALUE_PLACEHOLDERS.has(expected)) return true;
  if (!HAS_PLACEHOLDER.test(expected)) return false;
  const literals = expected.split(PLACEHOLDER);
  const holes = expected.match(PLACEHOLDER) ?? [];
  const escape = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = literals
    .map(
      (part, i) => escape(part) + (i < holes.length ? (holes[i] === '111111111111' ? '\\d{12}' : '.*') : ''),
    )
    .join('');
  return new RegExp(`^${pattern}$`, 's').test(actual);
}

/** A wildcard stands for a whole value of any type (a recorded date may be a number locally). */
function isWholeWildcard(expected: unknown): boolean {
  return (
    typeof expected === 'string' && (WHOLE_VALUE_PLACEHOLDERS.has(expected) || /^<[^<>\s]+>$/.test(expected))
  );
}

/**
 * The first difference between a recorded value and an actual one, as a one-line text naming its path, or
 * undefined when they match. Keys in `ignoreKeys` are skipped at any depth (what the recorded test itself does
 * not verify, e.g. LocalStack's `skip_snapshot_verify` of `$..SdkHttpMetadata`).
 */
export function firstDifference(
  expected: unknown,
  actual: unknown,
  path = '$',
  ignoreKeys: ReadonlySet<string> = new Set(),
): string | undefined {
  if (isWholeWildcard(expected) && actual !== undefined) return undefined;
  if (typeof expected === 'string' && typeof actual === 'string')
    return matchesRecordedString(expected, actual) ? undefined : differs(path, expected, actual);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return differs(path, expected, actual);
    if (expected.length !== actual.length)
      return `${path}: ${expected.length} items expected, got ${actual.length} (${brief(actual)})`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`, ignoreKeys);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return differs(path, expected, actual);
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of [...keys].sort()) {
      if (ignoreKeys.has(key)) continue;
      if (!(key in actual)) return `${path}.${key}: missing (expected ${brief(expected[key])})`;
      if (!(key in expected)) return `${path}.${key}: unexpected ${brief(actual[key])}`;
      const d = firstDifference(expected[key], actual[key], `${path}.${key}`, ignoreKeys);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(expected, actual) || expected === actual ? undefined : differs(path, expected, actual);
}

/** The first place two event-type sequences part, or undefined when they are equal. */
export function eventsDifference(expected: string[], actual: string[]): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i])
      return `event #${i + 1}: expected ${expected[i] ?? '(end)'}, got ${actual[i] ?? '(end)'} (${expected.length} vs ${actual.length} events)`;
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function differs(path: string, expected: unknown, actual: unknown): string {
  return `${path}: expected ${brief(expected)}, got ${brief(actual)}`;
}

/** A value on one line, cut to a readable length. */
export function brief(value: unknown, max = 120): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
