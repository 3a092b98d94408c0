import { z } from 'zod';

/**
 * Names people type (teacher, student, title) and the other party reads, in the join page, the console and
 * JSON listings. Each rule is a finding of issue 22:
 * - a lone surrogate (`"A\ud800da"`) is not Unicode: JSON.stringify escapes it, and strict parsers then refuse
 *   the whole listing it is in (https://tc39.es/ecma262/#sec-isstringwellformedunicode);
 * - bidi embedding/override (U+202A–U+202E) and isolate (U+2066–U+2069) controls reorder what is shown around
 *   them, so a name could display as something it is not (Unicode TR9, "Explicit Directional Formatting";
 *   https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters; CVE-2021-42574 "Trojan Source");
 * - a name made only of zero-width or other invisible characters shows as nothing: at least one character must
 *   be visible, i.e. not white space, not a control/format/unassigned/private-use code point (\p{C}), not a mark
 *   alone (\p{M}), and not default-ignorable (U+200B…, Hangul fillers U+115F/U+3164: Unicode's
 *   Default_Ignorable_Code_Point, https://www.unicode.org/reports/tr44/#Default_Ignorable_Code_Point). U+2800
 *   (braille blank) is a symbol that renders empty, so it does not count either.
 * A name is stored NFC-normalized (https://unicode.org/reports/tr15/), so the same name typed with a composed
 * or a decomposed "é" is one name.
 */
const C0_C1_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
const VISIBLE = /[^\p{White_Space}\p{C}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)')
    .normalize('NFC')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !C0_C1_CONTROLS.test(s), 'must not contain control characters')
    .refine(
      (s) => !BIDI_CONTROLS.test(s),
      'must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)',
    )
    .refine((s) => VISIBLE.test(s), 'must contain at least one visible character')
    // Names end up in pages and e-mails of the platform: markup has no place in them.
    .refine((s) => !/[<>]/.test(s), 'must not contain < or >');
