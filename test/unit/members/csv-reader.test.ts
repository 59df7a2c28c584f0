// readCsv (the import's own CSV reader, kept for speed: npm run bench:csv) reads well-formed CSV exactly as
// csv-parse does with the same options (but for trimming inside quotes): a differential property test over
// generated files.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { readCsv } from '../../../src/members/csv.js';

const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', '\r\n', 'é', '@', '.'), maxLength: 12 });
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
// A field is quoted when it has to be (or at random); unquoted fields have no delimiter, quote or line break.
const field = fc.tuple(cell, fc.boolean()).map(([s, q]) => (q || /[",;\r\n]/.test(s) ? quote(s) : s));
const row = fc.array(field, { minLength: 1, maxLength: 5 });

test.each([',', ';'])('agrees with csv-parse on generated files (delimiter %s)', (delimiter) => {
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
      const text = rows.map((r) => r.join(delimiter)).join(eol) + eol;
      const ours = readCsv(text, delimiter);
      if ('error' in ours) throw new Error(ours.error);
      const theirs = parse(text, {
        delimiter,
        trim: true,
        skip_empty_lines: true,
        relax_column_count: true,
        relax_quotes: true,
      }) as string[][];
      // One deliberate difference: readCsv trims inside quotes too (a quoted " a@example.org " is that address).
      const expected = theirs.map((r) => r.map((f) => f.trim())).filter((r) => !(r.length === 1 && r[0] === ''));
      expect(ours.map((r) => r.record)).toEqual(expected);
    }),
    { numRuns: 300 },
  );
});
