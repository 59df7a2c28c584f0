// Builds one outgoing message as raw RFC 5322 text. Hand-made rather than nodemailer's MailComposer: a post goes
// out once per member (VERP and the member's own links make every copy different), and at thousands of messages
// a second the composer's streams cost more than the sending. Pure: everything comes in as arguments.
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import { unsafeAddressReason } from '../members/address.js';

/** An address that must not become a header line: the delivery fails with this message, nothing is sent. */
export class UnsafeAddressError extends Error {
  constructor(reason: string) {
    super(`not sent: ${reason}`);
    this.name = 'UnsafeAddressError';
  }
}

export interface MessageInput {
  /** Header From: display name and address. */
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string | null;
  html: string | null;
  messageId: string;
  date: Date;
  /** Extra headers in order (List-*, tracking, ...); values must already be header-safe (ASCII, no CR/LF). */
  headers: Array<[string, string]>;
}

const CRLF = '\r\n';

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

/** A header value with non-ASCII text as RFC 2047 encoded words; CR/LF can never reach the header. */
export function headerText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return isAscii(flat) ? flat : encodeWords(flat, 'Q', 52);
}

function formatAddress(name: string, address: string): string {
  if (!name) return `<${address}>`;
  const flat = name.replace(/[\r\n]+/g, ' ');
  if (!isAscii(flat)) return `${encodeWords(flat, 'Q', 52)} <${address}>`;
  return `"${flat.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

function normaliseLines(s: string): string {
  return s.replace(/\r?\n|\r/g, CRLF);
}

/** 7bit when the body is plain ASCII with short lines (readable, no encoding cost), else base64. */
function bodyPart(contentType: string, body: string): string {
  const crlf = normaliseLines(body);
  const short = crlf.split(CRLF).every((l) => l.length <= 990);
  if (isAscii(crlf) && short) {
    return `Content-Type: ${contentType}; charset=utf-8${CRLF}Content-Transfer-Encoding: 7bit${CRLF}${CRLF}${crlf}${CRLF}`;
  }
  const flat = Buffer.from(crlf, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < flat.length; i += 76) lines.push(flat.slice(i, i + 76));
  const b64 = lines.join(CRLF);
  return `Content-Type: ${contentType}; charset=utf-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64}${CRLF}`;
}

/** "=_" cannot occur in base64 or in our 7bit bodies' boundary lines by accident; the message id makes it unique. */
function boundaryFor(messageId: string): string {
  return `=_lk_${messageId.replace(/[^A-Za-z0-9.]/g, '_')}`;
}

export function buildMessage(m: MessageInput): string {
  // Addresses were checked where they entered (members/address.ts); this is the last guard before a header.
  const unsafe = unsafeAddressReason(m.to) ?? unsafeAddressReason(m.from.address);
  if (unsafe) throw new UnsafeAddressError(unsafe);
  const head: string[] = [
    `From: ${formatAddress(m.from.name, m.from.address)}`,
    `To: <${m.to}>`,
    `Subject: ${headerText(m.subject)}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${m.messageId}>`,
    'MIME-Version: 1.0',
  ];
  for (const [k, v] of m.headers) head.push(`${k}: ${v.replace(/[\r\n]+/g, ' ')}`);
  const text = m.text ?? null;
  const html = m.html ?? null;
  if (text !== null && html !== null) {
    const b = boundaryFor(m.messageId);
    return (
      head.join(CRLF) +
      `${CRLF}Content-Type: multipart/alternative; boundary="${b}"${CRLF}${CRLF}` +
      `--${b}${CRLF}${bodyPart('text/plain', text)}--${b}${CRLF}${bodyPart('text/html', html)}--${b}--${CRLF}`
    );
  }
  const part = html !== null ? bodyPart('text/html', html) : bodyPart('text/plain', text ?? '');
  return head.join(CRLF) + CRLF + part;
}

/** RFC 2919 List-Id: `Display Name <list.domain>`. */
export function listIdHeader(displayName: string, listName: string, domain: string): string {
  const label = displayName.replace(/[\r\n"<>\\]+/g, ' ').trim();
  if (!label) return `<${listName}.${domain}>`;
  // A phrase of atoms goes bare; anything with specials (.,:;@()[]) is quoted; non-ASCII is encoded.
  const phrase = !isAscii(label) ? headerText(label) : /^[A-Za-z0-9!#$%&'*+\/=?^_`{|}~ -]+$/.test(label) ? label : `"${label}"`;
  return `${phrase} <${listName}.${domain}>`;
}

/** RFC 2369 List-Unsubscribe with an https (or http) URL and a mailto, plus RFC 8058's one-click marker. */
export function unsubscribeHeaders(url: string, mailto: string): Array<[string, string]> {
  return [
    ['List-Unsubscribe', `<${url}>, <${mailto}>`],
    ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
  ];
}
