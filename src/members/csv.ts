// Reading a CSV of members (parse and refuse bad rows, with their lines) and streaming a list's members out as CSV.
// The import itself (one transaction, progress, lease) is in imports.ts.
import { stringify as stringifySync } from 'csv-stringify/sync';
import { Readable } from 'node:stream';
import { checkAddress, hasControlChar, printable } from './address.js';
import type { Db } from '../db/index.js';
import type { MemberStatus, RefusedRow } from '../db/schema.js';
import { likeEscape, normaliseQuery } from './directory.js';

export type { RefusedRow };

export interface ImportCandidate {
  line: number;
  address: string;
  displayName: string;
}

export interface ParsedImport {
  candidates: ImportCandidate[];
  refused: RefusedRow[];
  totalRows: number;
}

export const MAX_IMPORT_ROWS = 1_000_000;
const ADDRESS_HEADERS = new Set(['address', 'email', 'e-mail', 'email address', 'mail']);
const NAME_HEADERS = new Set(['name', 'display name', 'display_name', 'full name']);

export interface CsvRecord {
  record: string[];
  /** The line the record starts on (1-based). */
  line: number;
}

const MAX_FIELD = 64 * 1024;

/**
 * RFC 4180 records with the line each starts on: quoted fields ("" for a quote, line breaks inside), CRLF or
 * LF, fields trimmed, blank lines skipped; a stray quote inside an unquoted field is kept as text.
 * Written here rather than csv-parse for speed: on 100,000 rows this takes about 50 ms and csv-parse with the same
 * options about 470 ms (`npm run bench:csv`); test/unit/members/csv-reader.test.ts checks that both read alike.
 */
export function readCsv(text: string, delimiter: string): CsvRecord[] | { error: string } {
  const out: CsvRecord[] = [];
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const record: string[] = [];
    for (;;) {
      let field: string;
      // skip leading blanks of the field
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      if (text.charCodeAt(i) === 34) {
        i++;
        let buf = '';
        let from = i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) return { error: `Line ${startLine}: a quoted field is never closed.` };
          if (text.charCodeAt(q + 1) === 34) {
            buf += text.slice(from, q + 1);
            i = q + 2;
            from = i;
            continue;
          }
          buf += text.slice(from, q);
          i = q + 1;
          break;
        }
        for (let k = 0; k < buf.length; k++) if (buf.charCodeAt(k) === 10) line++;
        field = buf;
        // anything after the closing quote up to the delimiter is kept
        let j = i;
        while (j < n && text.charCodeAt(j) !== delim && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
        field += text.slice(i, j);
        i = j;
      } else {
        let j = i;
        while (j < n && text.charCodeAt(j) !== delim && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
        field = text.slice(i, j);
        i = j;
      }
      if (field.length > MAX_FIELD) return { error: `Line ${startLine}: a field is longer than 64 KB.` };
      record.push(field.trim());
      if (i < n && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      break;
    }
    // end of record: CRLF, LF or CR
    if (text.charCodeAt(i) === 13) i++;
    if (text.charCodeAt(i) === 10) i++;
    line++;
    if (!(record.length === 1 && record[0] === '')) out.push({ record, line: startLine });
    if (out.length > MAX_IMPORT_ROWS + 1) return { error: `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows.` };
  }
  return out;
}

/**
 * UTF-16 (what spreadsheets save as "Unicode text"): a UTF-16 byte order mark, or a NUL in every other byte of
 * the start. A stray NUL in a UTF-8 file is not this: its row is refused and the rest imported.
 */
function looksLikeUtf16(data: Buffer): boolean {
  if (data.length >= 2 && ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff))) return true;
  const head = data.subarray(0, 4096);
  let nuls = 0;
  for (const byte of head) if (byte === 0) nuls++;
  return head.length >= 8 && nuls * 4 >= head.length;
}

/**
 * Reads an uploaded CSV: a header row naming an address column (address/email) is optional; without one
 * the first column is the address and the second the name. Bad rows are refused with a reason, not thrown.
 */
export function parseMemberCsv(data: Buffer | string): ParsedImport | { error: string } {
  if (typeof data !== 'string' && looksLikeUtf16(data)) {
    return { error: 'This file is not UTF-8 text (it looks like UTF-16, "Unicode text"). Save it as "CSV UTF-8" and try again.' };
  }
  const text = (typeof data === 'string' ? data : data.toString('utf8')).replace(/^\uFEFF/, '');
  if (!text.trim()) return { error: 'The file is empty.' };
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const records = readCsv(text, delimiter);
  if ('error' in records) return records;
  if (records.length > MAX_IMPORT_ROWS + 1) return { error: `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows.` };
  let addressCol = 0;
  let nameCol = 1;
  let start = 0;
  const head = records[0]?.record.map((h) => h.toLowerCase().trim()) ?? [];
  const headAddress = head.findIndex((h) => ADDRESS_HEADERS.has(h));
  if (headAddress >= 0) {
    addressCol = headAddress;
    const n = head.findIndex((h) => NAME_HEADERS.has(h));
    nameCol = n >= 0 ? n : -1;
    start = 1;
  }
  const candidates: ImportCandidate[] = [];
  const refused: RefusedRow[] = [];
  const seen = new Map<string, number>();
  for (let i = start; i < records.length; i++) {
    const { record, line } = records[i];
    const rawAddress = (record[addressCol] ?? '').trim();
    if (!rawAddress) {
      refused.push({ line, address: '', reason: 'No address in this row.' });
      continue;
    }
    const checked = checkAddress(rawAddress);
    if (!checked.ok) {
      // The report is shown and exported: control characters only as visible escapes.
      refused.push({ line, address: printable(rawAddress).slice(0, 200), reason: checked.message });
      continue;
    }
    const address = checked.address;
    const earlier = seen.get(address);
    if (earlier !== undefined) {
      refused.push({ line, address, reason: `Duplicate of line ${earlier} in this file.` });
      continue;
    }
    seen.set(address, line);
    const displayName = nameCol >= 0 ? (record[nameCol] ?? '').trim() : '';
    if (displayName.length > 200) {
      refused.push({ line, address, reason: 'The name is longer than 200 characters.' });
      continue;
    }
    // A NUL cannot be stored in text at all, and the other controls would reach the To: header's display name.
    if (hasControlChar(displayName.replaceAll('\t', ' '))) {
      refused.push({ line, address, reason: 'The name contains a control character (such as NUL or a line break).' });
      continue;
    }
    candidates.push({ line, address, displayName });
  }
  return { candidates, refused, totalRows: records.length - start };
}

/**
 * A cell a spreadsheet would run as a formula (leading = + - @, tab or CR; "-x@example.org" is a valid address)
 * gets a leading apostrophe, OWASP's advice: the cell then shows as text.
 */
export function spreadsheetSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export const EXPORT_COLUMNS = ['address', 'display_name', 'status', 'score', 'last_bounce_date', 'disabled_on', 'subscribed_at'];
const EXPORT_BATCH = 5000;

/**
 * The list's members in the order they were added, read in keyset batches on (list_id, id): memory stays
 * bounded on any size, and id order follows the table's physical order, so each batch reads few pages.
 */
export async function* memberRows(
  db: Db,
  listId: number,
  filter: { status?: MemberStatus | null; q?: string } = {},
): AsyncGenerator<(string | number)[][]> {
  let after: number | null = null;
  const q = normaliseQuery(filter.q);
  for (;;) {
    let sel = db
      .selectFrom('members')
      .select(['id', 'address', 'display_name', 'status', 'score', 'last_bounce_date', 'disabled_on', 'subscribed_at'])
      .where('list_id', '=', listId);
    if (filter.status) sel = sel.where('status', '=', filter.status);
    if (q) sel = sel.where('address', 'like', `%${likeEscape(q)}%`);
    if (after !== null) sel = sel.where('id', '>', after);
    const batch = await sel.orderBy('id').limit(EXPORT_BATCH).execute();
    yield batch.map((r) => [
      spreadsheetSafe(r.address),
      spreadsheetSafe(r.display_name),
      r.status,
      Number(r.score),
      r.last_bounce_date ?? '',
      r.disabled_on ?? '',
      new Date(r.subscribed_at).toISOString(),
    ]);
    if (batch.length < EXPORT_BATCH) return;
    after = batch[batch.length - 1].id;
  }
}

/**
 * A CSV byte stream (header, then one chunk per batch) with back-pressure: the next batch is read from the
 * database only when the client has taken the previous one.
 */
export function exportCsv(db: Db, listId: number, filter: { status?: MemberStatus | null; q?: string } = {}): Readable {
  async function* chunks(): AsyncGenerator<string> {
    yield stringifySync([EXPORT_COLUMNS]);
    for await (const batch of memberRows(db, listId, filter)) {
      if (batch.length) yield stringifySync(batch);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
