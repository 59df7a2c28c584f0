// Control characters in addresses: the one entry rule (members/address.ts), and the last guards that stop such an
// address before it becomes a header line or an SMTP command (message builder, SMTP client, file outbox), and the
// classifier never handing one out as a failed recipient.
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import { checkAddress, printable } from '../../../src/members/address.js';
import { buildMessage, UnsafeAddressError } from '../../../src/sending/message.js';
import { SmtpPool } from '../../../src/sending/smtp-client.js';
import { fileTransport } from '../../../src/sending/transport.js';
import { dsn } from '../bounce/messages.js';

const BAD = ['"y\rSubject: injected"@example.org', '"y\nBcc: v@example.net"@example.org', '"n\u0000ul"@example.org', '"t\tab"@example.org', '"d\u007fel"@example.org', '"c1\u0085"@example.org', 'a\u2028b@example.org'];

describe('the entry rule for addresses', () => {
  it.each(BAD)('refuses %j as containing a control character', (a) => {
    expect(checkAddress(a)).toMatchObject({ ok: false, reason: 'control' });
  });

  it('normalises ordinary addresses and ignores surrounding white space (a trailing CR of a line included)', () => {
    expect(checkAddress('  Ana@Example.ORG \r\n')).toEqual({ ok: true, address: 'ana@example.org' });
    expect(checkAddress('"quoted"@example.org')).toEqual({ ok: true, address: 'quoted@example.org' });
    expect(checkAddress('')).toMatchObject({ ok: false, reason: 'empty' });
    expect(checkAddress('no-at-sign')).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('prints control characters as escapes for reports', () => {
    expect(printable('a\rb\u0000')).toBe('a\\u000db\\u0000');
  });
});

describe('last guards before a header or an SMTP command', () => {
  const message = {
    from: { name: 'List', address: 'list@lists.example.org' },
    subject: 's',
    text: 't',
    html: null,
    messageId: 'x@lists.example.org',
    date: new Date('2026-01-01T00:00:00Z'),
    headers: [] as Array<[string, string]>,
  };

  it.each(BAD)('the message builder refuses To %j', (to) => {
    expect(() => buildMessage({ ...message, to })).toThrow(UnsafeAddressError);
    expect(() => buildMessage({ ...message, to })).toThrow(/control character/);
  });

  it('the message builder refuses a From address with a line break', () => {
    expect(() => buildMessage({ ...message, to: 'a@example.org', from: { name: 'L', address: 'l\r\nBcc: x@y.z@lists.example.org' } })).toThrow(UnsafeAddressError);
  });

  it.each(BAD)('the SMTP client refuses RCPT TO %j without opening a connection', async (to) => {
    // Port 9 on a TEST-NET address: had it tried to connect, the answer would be a connection error, not this.
    const pool = new SmtpPool({ url: 'smtp://192.0.2.1:9', maxConnections: 1, socketTimeoutMs: 500 });
    const r = await pool.send('list-bounces@lists.example.org', to, 'Subject: x\r\n\r\nx\r\n');
    expect(r).toMatchObject({ ok: false, code: null, refused: true });
    expect(r.response).toMatch(/^not sent: .*control character/);
    const r2 = await pool.send(to, 'ok@example.org', 'Subject: x\r\n\r\nx\r\n');
    expect(r2).toMatchObject({ ok: false, refused: true });
    await pool.close();
  });

  it('the file outbox refuses it and writes nothing', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'lk-outbox-')), 'outbox');
    const t = fileTransport(dir);
    const r = await t.send({ envelope: { from: 'l@lists.example.org', to: BAD[0] }, raw: 'Subject: x\r\n\r\nx\r\n', tag: 'd1' });
    expect(r).toMatchObject({ ok: false, refused: true });
    expect(readdirSync(dir)).toEqual([]);
    await t.close();
  });
});

describe('bounces', () => {
  it('the classifier never reports a failed recipient with a control character', () => {
    const c = classify(
      dsn({
        recipients: [
          { address: '"y\u0001Subject: injected"@example.org', action: 'failed', status: '5.1.1' },
          { address: 'real@example.org', action: 'failed', status: '5.1.1' },
        ],
      }),
    );
    const addresses = c.recipients.map((r) => r.address);
    expect(addresses).toContain('real@example.org');
    for (const a of addresses) expect(a).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});
