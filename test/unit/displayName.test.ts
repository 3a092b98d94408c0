import { validateBooking } from '../../functions/api/booking';
import { TEST_TIMINGS } from '../support/world';

/** Issue 22, finding 6: names are well-formed, NFC, visible Unicode without bidi controls; errors name the field. */
const NOW = new Date('2030-01-10T12:00:00.000Z');
const valid = { teacherName: 'Ada', studentName: 'Ben', startTime: '2030-01-11T15:00:00Z' };
/** The body as the API reads it: JSON text through JSON.parse, so `\ud800` escapes arrive as lone surrogates. */
const fromJson = (text: string) => validateBooking(JSON.parse(text), NOW, TEST_TIMINGS);
const withField = (field: string, jsonString: string) => {
  const rest = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));
  return fromJson(JSON.stringify(rest).replace(/}$/, `,"${field}":"${jsonString}"}`));
};

describe('display names (teacherName, studentName, title)', () => {
  test.each([
    ['a lone high surrogate', 'A\\ud800da', 'well-formed'],
    ['a lone low surrogate', '\\udc00Ben', 'well-formed'],
    ['surrogates in the wrong order', 'B\\udc00\\ud800n', 'well-formed'],
    ['only zero-width spaces', '\\u200b\\u200b', 'visible'],
    ['only zero-width joiners and a BOM', '\\u200d\\u200c\\ufeff\\u2060', 'visible'],
    ['only Hangul fillers', '\\u3164\\u115f', 'visible'],
    ['only a combining mark', '\\u0301', 'visible'],
    ['only braille blanks', '\\u2800\\u2800', 'visible'],
    ['only a soft hyphen and a word joiner', '\\u00ad\\u2060', 'visible'],
    ['a right-to-left override', 'Ben\\u202egnp.exe', 'bidirectional'],
    ['a left-to-right embedding', '\\u202aBen', 'bidirectional'],
    ['a pop directional formatting', 'Ben\\u202c', 'bidirectional'],
    ['a first-strong isolate', '\\u2068Ben\\u2069', 'bidirectional'],
    ['a right-to-left isolate', 'Ben\\u2067x', 'bidirectional'],
    ['a NUL', 'Ben\\u0000', 'control'],
  ])('%s is refused, naming the field', (_name, json, reason) => {
    for (const field of ['studentName', 'teacherName', 'title']) {
      const out = withField(field, json);
      expect(out).toMatchObject({ ok: false, errors: [{ field, message: expect.stringContaining(reason) }] });
    }
  });

  test('names are stored NFC: a decomposed é becomes the composed one', () => {
    const out = withField('studentName', 'Rene\\u0301e');
    expect(out.ok && out.booking.studentName).toBe('Ren\u00e9e');
    expect(out.ok && out.booking.studentName.length).toBe(5);
  });

  test('the 100-character limit counts the normalized name', () => {
    const decomposed = 'e\u0301'.repeat(100); // 200 code units, 100 once composed
    const out = validateBooking({ ...valid, studentName: decomposed }, NOW, TEST_TIMINGS);
    expect(out.ok && out.booking.studentName).toBe('\u00e9'.repeat(100));
  });

  test.each([
    ['Arabic', 'مريم'],
    ['Hebrew with a right-to-left mark', 'דוד\u200f'],
    ['an emoji (a surrogate pair)', 'Ben 🎻'],
    ['a joined emoji (ZWJ between visible characters)', '👩\u200d🏫 Ada'],
    ['CJK', '李小龍'],
    ['Devanagari with combining signs', 'अंकित'],
    ['a zero-width space next to letters', 'Ben\u200bJ'],
  ])('%s is accepted as typed', (_name, name) => {
    const out = validateBooking({ ...valid, studentName: name }, NOW, TEST_TIMINGS);
    expect(out).toMatchObject({ ok: true, booking: { studentName: name.normalize('NFC') } });
  });
});
