/** Local date-times in IANA zones, with nothing but Intl (no tz database to ship in the bundle). */

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Offset of `zone` from UTC at instant `utcMs`, in milliseconds (positive east of Greenwich). */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The UTC instant at which the wall clock in `zone` shows `local`. A repeated time (DST ends) resolves to its
 * first occurrence; a skipped time (DST starts) to the same distance past the jump — what calendars do.
 */
export function zonedTimeToUtc(local: LocalParts, zone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const DAY = 86_400_000;
  // A zone changes offset at most once in a day around any instant: the offsets a day before and after are
  // the only two readings the wall time can have.
  const before = wall - zoneOffsetMs(zone, wall - DAY);
  const after = wall - zoneOffsetMs(zone, wall + DAY);
  const valid = [before, after].filter((utc) => utc + zoneOffsetMs(zone, utc) === wall);
  return new Date(valid.length > 0 ? Math.min(...valid) : before);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export type ParsedStart = { ok: true; utc: Date } | { ok: false; message: string };

/** ISO-8601 with an offset, or a local date-time read in `timeZone`. Impossible dates are refused. */
export function parseStartTime(value: string, timeZone: string | undefined): ParsedStart {
  if (WITH_OFFSET.test(value)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime()) || !sameCalendarDate(value, date))
      return { ok: false, message: 'is not a real date-time' };
    return { ok: true, utc: date };
  }
  const m = LOCAL.exec(value);
  if (!m)
    return {
      ok: false,
      message: 'must be ISO-8601, e.g. 2030-01-31T15:00:00+01:00 or 2030-01-31T15:00 with timeZone',
    };
  if (!timeZone) return { ok: false, message: 'has no UTC offset: add one, or give timeZone' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((s) => Number(s ?? 0));
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { ok: false, message: 'is not a real date-time' };
  }
  return { ok: true, utc: zonedTimeToUtc({ year, month, day, hour, minute, second }, timeZone) };
}

/** Date parses 2030-02-30 as March 2nd; compare the written day with the parsed one, offset applied. */
function sameCalendarDate(text: string, date: Date): boolean {
  const [, y, mo, d, h, mi] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text) ?? [];
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const offsetMs = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000
    : 0;
  const wall = new Date(date.getTime() + offsetMs);
  return (
    wall.getUTCFullYear() === Number(y) &&
    wall.getUTCMonth() + 1 === Number(mo) &&
    wall.getUTCDate() === Number(d) &&
    wall.getUTCHours() === Number(h) &&
    wall.getUTCMinutes() === Number(mi)
  );
}
