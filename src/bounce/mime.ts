// A small, lenient, bounded MIME reader. Bounces are often malformed and sometimes hostile, so this
// never throws, stops at fixed limits, and works on a latin1 view of the bytes (every byte is one
// char, so boundaries and headers can be found with plain string search; text is decoded per part).

import { TextDecoder } from 'node:util';

export const LIMITS = {
  /** Bytes of the raw message looked at; the notice and the DSN come first, the copy of the post last. */
  maxBytes: 1_000_000,
  maxParts: 200,
  maxDepth: 6,
  maxHeaderLines: 1_000,
  /** Characters of decoded text kept per part. */
  maxTextChars: 200_000,
} as const;

export interface Header {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded value, still in its raw (latin1) form; see decodeHeader. */
  value: string;
}

export interface MimePart {
  headers: Header[];
  /** Lower-cased media type, "text/plain" when missing. */
  type: string;
  params: Record<string, string>;
  /** Raw body (transfer-encoded, latin1 view). Empty for multiparts whose children were found. */
  body: string;
  parts: MimePart[];
  /** The enclosed message of a message/rfc822 (or text/rfc822-headers) part. */
  message: MimePart | null;
  depth: number;
}

export interface ParsedMessage {
  root: MimePart;
  /** Why parsing stopped early, if it did (size, parts, depth). */
  limit: string | null;
}

interface ParseState {
  parts: number;
  limit: string | null;
}

export function parseMessage(raw: Uint8Array): ParsedMessage {
  let limit: string | null = null;
  let bytes = raw;
  if (bytes.length > LIMITS.maxBytes) {
    bytes = bytes.subarray(0, LIMITS.maxBytes);
    limit = `size: only the first ${LIMITS.maxBytes} of ${raw.length} bytes examined`;
  }
  let s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  const state: ParseState = { parts: 0, limit };
  const root = parseEntity(s, 0, state, true);
  return { root, limit: state.limit };
}

/** Parses header block + body; `top` allows an mbox "From " line first. */
export function parseEntity(s: string, depth: number, state: ParseState, top = false, shallow = false): MimePart {
  state.parts++;
  const { headers, bodyStart } = parseHeaderBlock(s, top);
  const body = bodyStart < s.length ? s.slice(bodyStart) : '';
  const ct = contentType(headers);
  const part: MimePart = { headers, type: ct.type, params: ct.params, body, parts: [], message: null, depth };
  // The returned copy of the original post: only its headers matter, its body stays unparsed.
  if (shallow) return part;
  if (depth >= LIMITS.maxDepth) {
    if (!state.limit && (ct.type.startsWith('multipart/') || ct.type.startsWith('message/'))) {
      state.limit = `depth: nesting deeper than ${LIMITS.maxDepth}`;
    }
    return part;
  }
  if (ct.type.startsWith('multipart/')) {
    const boundary = ct.params['boundary'];
    if (boundary) {
      const children = splitMultipart(body, boundary);
      if (children) {
        for (const c of children) {
          if (state.parts >= LIMITS.maxParts) {
            if (!state.limit) state.limit = `parts: more than ${LIMITS.maxParts} MIME parts`;
            break;
          }
          part.parts.push(parseEntity(c, depth + 1, state));
        }
        part.body = '';
      }
    }
  } else if (
    ct.type === 'message/rfc822' ||
    ct.type === 'message/global' ||
    ct.type === 'text/rfc822-headers' ||
    ct.type === 'message/rfc822-headers' ||
    ct.type === 'message/partial-headers'
  ) {
    if (state.parts < LIMITS.maxParts) {
      const inner = decodeTransfer(body, headerValue(headers, 'content-transfer-encoding'));
      // The returned copy of the post: its headers identify it, its body is never needed in parts.
      part.message = parseEntity(inner, depth + 1, state, false, true);
    }
  }
  return part;
}

function parseHeaderBlock(s: string, top: boolean): { headers: Header[]; bodyStart: number } {
  const headers: Header[] = [];
  let pos = 0;
  if (top && s.startsWith('From ')) {
    const nl = s.indexOf('\n');
    pos = nl < 0 ? s.length : nl + 1;
  }
  let lines = 0;
  let current: Header | null = null;
  while (pos < s.length) {
    let nl = s.indexOf('\n', pos);
    if (nl < 0) nl = s.length;
    const line = s.slice(pos, nl);
    if (line.length === 0) return { headers, bodyStart: nl + 1 };
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && current) {
      if (current.value.length < 16_384) current.value += ' ' + line.trim();
    } else {
      const colon = line.indexOf(':');
      if (current && current.value.endsWith(';') && /^[A-Za-z][\w-]{0,40}\*?=/.test(line)) {
        // A parameter continued without the folding whitespace (seen in the wild): keep it.
        current.value += ' ' + line.trim();
        pos = nl + 1;
        continue;
      }
      if (colon <= 0 || colon > 76 || !isFieldName(line, colon)) {
        // Not a header: the body starts here (lenient: some notices have no blank line).
        if (headers.length === 0 && top && line.startsWith('>From ')) {
          pos = nl + 1;
          continue;
        }
        return { headers, bodyStart: pos };
      }
      current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
      headers.push(current);
    }
    pos = nl + 1;
    if (++lines > LIMITS.maxHeaderLines) return { headers, bodyStart: pos };
  }
  return { headers, bodyStart: s.length };
}

function isFieldName(line: string, colon: number): boolean {
  let end = colon;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

/** Splits a multipart body; null when the boundary never appears (the caller keeps the body whole). */
function splitMultipart(body: string, boundary: string): string[] | null {
  const delim = '--' + boundary;
  const out: string[] = [];
  let start = -1;
  let pos = 0;
  let found = false;
  while (pos <= body.length) {
    const i = body.indexOf(delim, pos);
    if (i < 0) break;
    if (i !== 0 && body.charCodeAt(i - 1) !== 10) {
      pos = i + delim.length;
      continue;
    }
    found = true;
    if (start >= 0) out.push(body.slice(start, i > 0 ? i - 1 : i));
    const closing = body.startsWith('--', i + delim.length);
    let nl = body.indexOf('\n', i);
    if (nl < 0) nl = body.length;
    if (closing) {
      start = -1;
      break;
    }
    start = nl + 1;
    pos = start;
    if (out.length > LIMITS.maxParts) break;
  }
  if (!found) return null;
  if (start >= 0 && start < body.length) out.push(body.slice(start));
  return out;
}

export function headerValue(headers: Header[], name: string): string | null {
  for (const h of headers) if (h.name === name) return h.value;
  return null;
}

export function headerValues(headers: Header[], name: string): string[] {
  const out: string[] = [];
  for (const h of headers) if (h.name === name) out.push(h.value);
  return out;
}

export function contentType(headers: Header[]): { type: string; params: Record<string, string> } {
  const v = headerValue(headers, 'content-type');
  if (!v) return { type: 'text/plain', params: {} };
  const params: Record<string, string> = {};
  const semi = v.indexOf(';');
  let type = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  if (!type.includes('/')) type = 'text/plain';
  if (semi >= 0) {
    const re = /;\s*([^\s=;]{1,60})\s*=\s*(?:"((?:[^"\\]|\\.){0,1000})"|([^;\s]{0,1000}))/g;
    let m: RegExpExecArray | null;
    const rest = v.slice(semi);
    while ((m = re.exec(rest)) !== null) {
      let key = m[1].toLowerCase();
      let val = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
      if (key.endsWith('*')) {
        key = key.slice(0, -1);
        const q = val.indexOf("''");
        if (q >= 0) val = val.slice(q + 2);
        try {
          val = decodeURIComponent(val);
        } catch {
          // keep the raw value
        }
      }
      if (!(key in params)) params[key] = val;
    }
  }
  return { type, params };
}

/** Undoes the Content-Transfer-Encoding; returns a latin1 view of the bytes. */
export function decodeTransfer(body: string, cte: string | null): string {
  const enc = (cte ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body, 'base64').toString('latin1');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

export function decodeQuotedPrintable(s: string): string {
  if (!s.includes('=')) return s;
  return s.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(charset: string): TextDecoder | null {
  let d = decoders.get(charset);
  if (d === undefined) {
    try {
      d = new TextDecoder(charset, { fatal: false });
    } catch {
      d = null;
    }
    if (decoders.size < 64) decoders.set(charset, d);
  }
  return d;
}

const NON_ASCII = /[^\x00-\x7f]/;

function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/** Decodes a latin1 byte view in the given charset; unknown or missing charsets try UTF-8, then latin1. */
export function decodeCharset(bytes: string, charset: string | null | undefined): string {
  if (isAscii(bytes) && !bytes.includes('\x1b')) return bytes;
  const cs = (charset ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' || cs === 'ascii') return bytes;
  const buf = Buffer.from(bytes, 'latin1');
  if (cs === '' || cs === 'utf-8' || cs === 'utf8' || cs === 'unknown-8bit' || cs === 'x-unknown') {
    const u = buf.toString('utf8');
    return u.includes('\uFFFD') && cs !== 'utf-8' && cs !== 'utf8' ? bytes : u;
  }
  const d = decoderFor(cs);
  if (!d) {
    const u = buf.toString('utf8');
    return u.includes('\uFFFD') ? bytes : u;
  }
  return d.decode(buf);
}

/** Decoded text of a leaf part (transfer encoding and charset undone), bounded in size. */
export function partText(part: MimePart): string {
  const raw = part.body.length > LIMITS.maxTextChars * 2 ? part.body.slice(0, LIMITS.maxTextChars * 2) : part.body;
  let t = decodeCharset(decodeTransfer(raw, headerValue(part.headers, 'content-transfer-encoding')), part.params['charset']);
  if (t.length > LIMITS.maxTextChars) t = t.slice(0, LIMITS.maxTextChars);
  if (part.type === 'text/html') t = htmlToText(t);
  return t;
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]{0,200}>[\s\S]{0,100000}?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d|table)>/gi, '\n')
    .replace(/<[^<>]{0,2000}>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d{1,6});/g, (_m, n: string) => String.fromCharCode(Number(n) & 0xffff))
    .replace(/&amp;/gi, '&');
}

/** RFC 2047 encoded words in a header value, then raw 8-bit bytes as UTF-8 when valid. */
export function decodeHeader(value: string): string {
  let v = value;
  if (v.includes('=?')) {
    v = v.replace(/(\?=)\s+(=\?)/g, '$1$2');
    v = v.replace(/=\?([^?\s]{1,40})\?([BbQq])\?([^?\s]{0,4000})\?=/g, (_m, cs: string, enc: string, text: string) => {
      const charset = cs.split('*')[0];
      const bytes =
        enc === 'B' || enc === 'b'
          ? Buffer.from(text, 'base64').toString('latin1')
          : text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
      return decodeCharset(bytes, charset);
    });
    return v;
  }
  return decodeCharset(v, null);
}

/** Visits every part depth-first (the root first). */
export function walk(part: MimePart, visit: (p: MimePart) => void): void {
  visit(part);
  for (const c of part.parts) walk(c, visit);
  if (part.message) walk(part.message, visit);
}
