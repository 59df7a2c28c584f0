import { describe, expect, test } from 'vitest';
import { addressesIn, normalizeAddress } from '../../../src/bounce/address.js';
import { decodeHeader, parseMessage, partText, walk, type MimePart } from '../../../src/bounce/mime.js';

const parts = (raw: string): MimePart[] => {
  const out: MimePart[] = [];
  walk(parseMessage(Buffer.from(raw, 'latin1')).root, (p) => out.push(p));
  return out;
};

describe('MIME reader', () => {
  test('multipart with quoted-printable and base64 parts, charsets decoded', () => {
    const raw = [
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Br=FCcke soft=',
      'break',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Grüße aus Köln').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const leaves = parts(raw).filter((p) => p.type === 'text/plain');
    expect(leaves.map(partText)).toEqual(['Brücke softbreak', 'Grüße aus Köln']);
  });

  test('an unknown charset falls back to UTF-8, then latin1, without throwing', () => {
    const [, leaf] = parts('Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=x-nonsense\n\ncaf\xc3\xa9\n--x--\n');
    expect(partText(leaf)).toBe('café');
    const [, latin] = parts('Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=x-nonsense\n\ncaf\xe9\n--x--\n');
    expect(partText(latin)).toBe('café');
  });

  test('ISO-2022-JP text is decoded', () => {
    const jis = Buffer.from([0x1b, 0x24, 0x42, 0x24, 0x33, 0x24, 0x73, 0x1b, 0x28, 0x42]).toString('latin1');
    const [, leaf] = parts(`Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=ISO-2022-JP\n\n${jis}\n--x--\n`);
    expect(partText(leaf).trim()).toBe('こん');
  });

  test('RFC 2047 encoded words in headers', () => {
    expect(decodeHeader('=?UTF-8?B?w4ljaGVj?= de =?iso-8859-1?Q?livraison_=E0?= x')).toBe('Échec de livraison à x');
  });

  test('an mbox "From " line and a message without a blank line before the body are read leniently', () => {
    const [root] = parts('From MAILER-DAEMON Mon Nov  2 10:00:00 2026\nFrom: a@b.example\nSubject: s\nbody starts here: not a header line\n');
    expect(root.headers.map((h) => h.name)).toEqual(['from', 'subject']);
    expect(root.body).toContain('body starts here');
  });

  test('a boundary that never appears leaves the body readable as text', () => {
    const [root] = parts('Content-Type: multipart/mixed; boundary=missing\n\nplain text after all\n');
    expect(root.parts).toEqual([]);
    expect(root.body).toContain('plain text after all');
  });

  test('the enclosed message/rfc822 keeps its headers', () => {
    const all = parts('Content-Type: multipart/report; boundary=r\n\n--r\nContent-Type: message/rfc822\n\nMessage-ID: <m@x>\nSubject: orig\n\nhello\n--r--\n');
    const enclosed = all.find((p) => p.headers.some((h) => h.name === 'message-id'));
    expect(enclosed?.headers.find((h) => h.name === 'subject')?.value).toBe('orig');
  });
});

describe('addresses', () => {
  test('found in text, normalised, with URL parameters and paths left out', () => {
    expect(
      addressesIn('to <Ann@Example.ORG>: no; see https://x.example/u?id=1&e=bob@example.org and /var/x@y.example; SMTP=cid@example.org; dan@b.c.'),
    ).toEqual(['ann@example.org', 'cid@example.org', 'dan@b.c']);
  });
  test('a VERP address survives intact', () => {
    expect(addressesIn('Delivered-To: news-bounces+ann=example.org@lists.example.test')).toEqual(['news-bounces+ann=example.org@lists.example.test']);
  });
  test('DSN address forms', () => {
    expect(normalizeAddress('rfc822; <Ann@Example.org>')).toBe('ann@example.org');
    expect(normalizeAddress('david...@example.com')).toBeNull();
    expect(normalizeAddress('not an address')).toBeNull();
  });
});
