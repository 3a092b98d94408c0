import { isValidTimeZone, parseStartTime } from '../../functions/api/zonedTime';

const utcOf = (value: string, zone?: string) => {
  const parsed = parseStartTime(value, zone);
  if (!parsed.ok) throw new Error(`${value} in ${zone}: ${parsed.message}`);
  return parsed.utc.toISOString();
};

describe('start times in IANA zones (Intl only, no tz database)', () => {
  test.each([
    // [local wall time, zone, UTC instant]
    ['2030-01-31T15:00', 'Europe/Berlin', '2030-01-31T14:00:00.000Z'], // CET, +01:00
    ['2030-07-01T15:00', 'Europe/Berlin', '2030-07-01T13:00:00.000Z'], // CEST, +02:00
    ['2030-01-31T15:00', 'Asia/Kolkata', '2030-01-31T09:30:00.000Z'], // half-hour offset
    ['2030-01-31T15:00:30', 'America/New_York', '2030-01-31T20:00:30.000Z'], // seconds kept
    ['2030-12-29T12:00', 'Pacific/Apia', '2030-12-28T23:00:00.000Z'], // +13:00
  ])('%s in %s is %s', (local, zone, utc) => {
    expect(utcOf(local, zone)).toBe(utc);
  });

  test('a wall time skipped by DST (spring forward) lands the same distance past the jump', () => {
    // Berlin jumps 02:00 → 03:00 on 2030-03-31: 02:30 does not exist and is read as 03:30 CEST.
    expect(utcOf('2030-03-31T02:30', 'Europe/Berlin')).toBe('2030-03-31T01:30:00.000Z');
    // New York jumps 02:00 → 03:00 on 2030-03-10.
    expect(utcOf('2030-03-10T02:30', 'America/New_York')).toBe('2030-03-10T07:30:00.000Z');
    // Lord Howe moves by only 30 minutes (02:00 → 02:30): 02:15 is read as 02:45 (+11:00).
    expect(utcOf('2030-10-06T02:15', 'Australia/Lord_Howe')).toBe('2030-10-05T15:45:00.000Z');
  });

  test('a wall time that happens twice (fall back) is its first occurrence', () => {
    // Berlin 2030-10-27: 02:30 CEST (00:30Z) comes before 02:30 CET (01:30Z).
    expect(utcOf('2030-10-27T02:30', 'Europe/Berlin')).toBe('2030-10-27T00:30:00.000Z');
    // New York 2030-11-03: 01:30 EDT (05:30Z) before 01:30 EST (06:30Z).
    expect(utcOf('2030-11-03T01:30', 'America/New_York')).toBe('2030-11-03T05:30:00.000Z');
  });

  test('an explicit offset wins; the zone is only for local date-times', () => {
    expect(utcOf('2030-01-31T15:00:00+05:30', 'Europe/Berlin')).toBe('2030-01-31T09:30:00.000Z');
    expect(utcOf('2030-01-31T15:00:00Z')).toBe('2030-01-31T15:00:00.000Z');
  });

  test.each([
    ['2030-02-29T10:00', 'Europe/Berlin', 'is not a real date-time'], // 2030 is no leap year
    ['2030-01-31T24:00', 'Europe/Berlin', 'is not a real date-time'],
    ['2030-04-31T10:00:00+02:00', undefined, 'is not a real date-time'],
    ['2030-01-31T15:00', undefined, 'has no UTC offset: add one, or give timeZone'],
    ['31/01/2030 15:00', 'Europe/Berlin', 'must be ISO-8601'],
  ])('refuses %s (%s)', (value, zone, message) => {
    const parsed = parseStartTime(value, zone);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  test('knows IANA zones and refuses made-up ones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
