// Hostile input against the format and reason registries: every message gets an answer in bounded
// time, whatever its size or shape. Each case aims at a parser or a pattern of the registries.
import { describe, expect, test } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import type { Classification } from '../../../src/bounce/types.js';

const LIMIT_MS = 3_000;

function timed(raw: Buffer): Classification {
  const t = performance.now();
  const c = classify(raw);
  expect(performance.now() - t).toBeLessThan(LIMIT_MS);
  expect(c.detector).not.toMatch(/internal error/);
  expect(c.recipients.length).toBeLessThanOrEqual(500);
  return c;
}

const msg = (headers: string, body: string) => Buffer.from(`${headers}\r\n\r\n${body}`, 'latin1');
const daemon = 'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: news-bounces@lists.example.test';

describe('hostile input gets an answer in bounded time', () => {
  test('an 8 MB header line', () => {
    timed(msg(`${daemon}\r\nSubject: Undelivered Mail Returned to Sender ${'x'.repeat(8 * 1024 * 1024)}`, 'This is the mail system at host x.\n<a@example.org>: user unknown'));
    timed(msg(`${daemon}\r\nX-Failed-Recipients: ${'a@example.org, '.repeat(500_000)}\r\nSubject: Mail delivery failed`, 'This message was created automatically by mail delivery software.'));
  });

  test('a MIME bomb: parts inside parts inside parts, and base64 inside base64', () => {
    let body = 'Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n';
    let type = 'message/delivery-status';
    for (let i = 0; i < 25; i++) {
      const b = `b${i}`;
      body = `--${b}\nContent-Type: ${type}\nContent-Transfer-Encoding: base64\n\n${Buffer.from(body).toString('base64')}\n--${b}--\n`;
      type = `multipart/mixed; boundary="${b}"`;
    }
    timed(msg(`${daemon}\r\nSubject: x\r\nContent-Type: ${type}`, body));
    const wide = Array.from({ length: 50_000 }, (_, i) => `--W\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; r${i}@example.org\nAction: failed\nStatus: 5.1.1\n`).join('');
    const c = timed(msg(`${daemon}\r\nSubject: x\r\nContent-Type: multipart/report; boundary=W`, `${wide}--W--\n`));
    expect(c.kind).toBe('bounce');
  });

  test('binary noise behind a failure subject', () => {
    const noise = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) & 0xff;
    timed(Buffer.concat([Buffer.from(`${daemon}\r\nSubject: failure notice\r\n\r\nHi. This is the qmail-send program at x.\n`), noise]));
  });

  test('text shaped against the patterns (long runs of the words they look for)', () => {
    const shapes = [
      'user '.repeat(200_000) + 'unknown',
      'ip '.repeat(100_000) + 'blocked',
      '550-5.7.1 '.repeat(100_000),
      'quota '.repeat(100_000),
      'a@'.repeat(200_000),
      '<'.repeat(100_000) + '@' + '>'.repeat(100_000),
      '>>> RCPT TO:<a@example.org>\n<<< 550 '.repeat(20_000),
      'Recipient address: a@example.org\n'.repeat(20_000),
      `${'x'.repeat(100_000)}@${'y.'.repeat(50_000)}`,
      'did not like our RCPT TO:'.repeat(50_000),
      'There was an error delivering your mail to <'.repeat(20_000),
      '   ----- The following addresses had permanent fatal errors -----\n' + '554 <a@example.org>... '.repeat(50_000),
    ];
    const intros = [
      'This message was created automatically by mail delivery software.\nThe following address(es) failed:\n',
      'This is the mail system at host x.\n',
      'Hi. This is the qmail-send program at x.\n',
      'Delivery has failed to these recipients or groups:\nDiagnostic information for administrators:\n',
      'This is the DragonFly Mail Agent v0.13 at x.\n',
      '',
    ];
    for (const intro of intros) for (const s of shapes) timed(msg(`${daemon}\r\nSubject: Undelivered Mail Returned to Sender`, intro + s));
  });

  test('deeply nested returned messages and a report with thousands of recipients', () => {
    let nested = 'From: a@example.org\r\nSubject: x\r\n\r\nbody';
    for (let i = 0; i < 2_000; i++) nested = `Content-Type: message/rfc822\r\n\r\n${nested}`;
    timed(Buffer.from(nested));
    const blocks = Array.from({ length: 20_000 }, (_, i) => `Final-Recipient: rfc822; r${i}@example.org\nAction: failed\nStatus: 5.1.1\n`).join('\n');
    const c = timed(msg(`${daemon}\r\nSubject: x\r\nContent-Type: multipart/report; boundary=Z`, `--Z\nContent-Type: message/delivery-status\n\n${blocks}\n--Z--\n`));
    expect(c.recipients.length).toBeGreaterThan(0);
  });
});
