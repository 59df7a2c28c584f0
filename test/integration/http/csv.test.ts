// The CSV reader and the import parser (pure; no database).
import { describe, expect, it } from 'vitest';
import { parseMemberCsv, readCsv } from '../../../src/members/csv.js';

describe('readCsv', () => {
  it('reads quoted fields, doubled quotes, line breaks inside quotes, CRLF, and knows each record’s line', () => {
    const text = 'a@x.org,"Smith, Jo"\r\n"b@x.org","He said ""hi"""\n\n"c@x.org","two\nlines"\nd@x.org,  spaced  \n';
    expect(readCsv(text, ',')).toEqual([
      { record: ['a@x.org', 'Smith, Jo'], line: 1 },
      { record: ['b@x.org', 'He said "hi"'], line: 2 },
      { record: ['c@x.org', 'two\nlines'], line: 4 },
      { record: ['d@x.org', 'spaced'], line: 6 },
    ]);
  });

  it('reads semicolons, a last line without a newline, and stray quotes as text', () => {
    expect(readCsv('a@x.org;O"Brien\nb@x.org;', ';')).toEqual([
      { record: ['a@x.org', 'O"Brien'], line: 1 },
      { record: ['b@x.org', ''], line: 2 },
    ]);
  });

  it('refuses a quote that is never closed, naming the line', () => {
    expect(readCsv('a@x.org,ok\nb@x.org,"open\n', ',')).toEqual({ error: 'Line 2: a quoted field is never closed.' });
  });

  it('reads 100,000 rows (the speed is measured by npm run bench:web)', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `user${i}@example.org,User ${i}`).join('\n');
    const out = readCsv(rows, ',');
    expect(Array.isArray(out) && out.length).toBe(100_000);
    expect(Array.isArray(out) && out[99_999]).toEqual({ record: ['user99999@example.org', 'User 99999'], line: 100_000 });
  });
});

describe('parseMemberCsv', () => {
  it('finds the address column by its header, detects ;, strips a BOM and refuses bad rows with reasons', () => {
    const p = parseMemberCsv(Buffer.from('\uFEFFname;E-mail\nAnn;ann@x.org\nBad;nope\nAnn2;ANN@x.org\n;\n'));
    expect(p).toEqual({
      candidates: [{ line: 2, address: 'ann@x.org', displayName: 'Ann' }],
      refused: [
        { line: 3, address: 'nope', reason: 'Not a valid email address.' },
        { line: 4, address: 'ann@x.org', reason: 'Duplicate of line 2 in this file.' },
        { line: 5, address: '', reason: 'No address in this row.' },
      ],
      totalRows: 4,
    });
  });

  it('takes the first column as the address when there is no header', () => {
    const p = parseMemberCsv('a@x.org,A\nb@x.org\n');
    expect('candidates' in p && p.candidates.map((c) => c.address)).toEqual(['a@x.org', 'b@x.org']);
  });

  it('says so for an empty file', () => {
    expect(parseMemberCsv('  \n')).toEqual({ error: 'The file is empty.' });
  });
});
