// The CSV reader of member imports (src/members/csv.ts readCsv) beside csv-parse, on the same 100,000 rows:
// the reason readCsv exists is speed, and this is where that claim is measured. Pure parsing, no database.
// Both are asked for the same thing: records with the line each starts on, fields trimmed, blank lines skipped,
// ragged rows allowed, a stray quote inside an unquoted field kept as text. They must agree on the records.
// Last lines: RESULT csv_read_ms, RESULT csv_parse_ms, RESULT csv_speedup.
import { parse } from 'csv-parse/sync';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { readCsv } from '../src/members/csv.js';

const ROWS = 100_000;
const ROUNDS = 5;

function sampleCsv(): string {
  const lines = ['address,name'];
  for (let i = 0; i < ROWS; i++) {
    const name =
      i % 10 === 0 ? `"Smith, Jane ${i}"` : i % 97 === 0 ? `"Multi\nline ""quoted"" ${i}"` : i % 13 === 0 ? '' : `Member ${i}`;
    lines.push(`member${i}@example${i % 50}.org,${name}`);
    if (i % 1000 === 0) lines.push('');
  }
  return lines.join('\r\n') + '\r\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown): number {
  fn(); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  return median(runs);
}

const text = sampleCsv();
const ours = () => readCsv(text, ',');
const theirs = () =>
  parse(text, {
    delimiter: ',',
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true, // readCsv gives each record's line too
    // csv-parse's typings do not follow `info: true` (records become {record, info}).
  }) as unknown as { record: string[]; info: { lines: number } }[];

const a = ours();
if ('error' in a) throw new Error(a.error);
const b = theirs();
const same = a.length === b.length && a.every((r, i) => isDeepStrictEqual(r.record, b[i]!.record));
console.log(`${ROWS.toLocaleString('en-US')} rows, ${(text.length / 1e6).toFixed(1)} MB; records: readCsv ${a.length}, csv-parse ${b.length}; same records: ${same}`);
if (!same) process.exitCode = 1;

const oursMs = time(ours);
const theirsMs = time(theirs);
console.log(`median of ${ROUNDS} runs after a warm-up`);
console.log(`RESULT csv_read_ms ${oursMs.toFixed(0)} ms`);
console.log(`RESULT csv_parse_ms ${theirsMs.toFixed(0)} ms`);
console.log(`RESULT csv_speedup ${(theirsMs / oursMs).toFixed(1)} x`);
