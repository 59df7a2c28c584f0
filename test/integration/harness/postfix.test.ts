import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapFlow } from 'imapflow';
import {
  connectImap,
  createMailbox,
  postfixInfo,
  sendViaPostfix,
  unknownUserAddress,
  waitForDsn,
  waitForSinkMessage,
} from '../../helpers/mail.js';

const tag = (): string => randomBytes(4).toString('hex');

describe('Postfix (real DSNs into Dovecot)', () => {
  let imap: ImapFlow;
  beforeAll(async () => {
    imap = await connectImap();
  });
  afterAll(async () => {
    await imap.logout();
  });

  test('mail to an unknown local user comes back as a 5.1.1 DSN in the bounces mailbox, addressed to the VERP sender', async () => {
    const to = unknownUserAddress();
    const { envelopeFrom } = await sendViaPostfix({ to, list: 'dev' });
    expect(envelopeFrom).toBe(`dev-bounces+${to.replace('@', '=')}@lists.example.test`);
    const dsn = await waitForDsn(imap, to, { action: 'failed' });
    const parsed = await simpleParser(dsn.source, { keepDeliveryStatus: true });
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report' });
    expect(dsn.text).toContain(`Delivered-To: ${envelopeFrom}`);
    expect(dsn.text).toMatch(/^Status: 5\.1\.1/m);
  });

  test('a remote 550 at RCPT (from the sink) becomes a DSN too', async () => {
    const to = `gone-${tag()}@${postfixInfo().rejectDomain}`;
    await sendViaPostfix({ to });
    const dsn = await waitForDsn(imap, to, { action: 'failed' });
    expect(dsn.text).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1/);
  });

  test('mail to ok.example.test is relayed to the shared sink with the VERP envelope sender', async () => {
    const to = `someone-${tag()}@${postfixInfo().okDomain}`;
    const { envelopeFrom } = await sendViaPostfix({ to, subject: 'relayed' });
    const got = await waitForSinkMessage((m) => m.rcptTo.includes(to));
    expect(got.mailFrom).toBe(envelopeFrom);
    expect(got.raw.toString()).toContain('Subject: relayed');
  });

  test('a per-test mailbox gets the DSNs of its own bounce domain only', async () => {
    const box = createMailbox();
    const own = await connectImap(box.account);
    try {
      const to = unknownUserAddress();
      const { envelopeFrom } = await sendViaPostfix({ to, bounceDomain: box.bounceDomain, list: 'news' });
      expect(envelopeFrom).toBe(box.verp(to, 'news'));
      const dsn = await waitForDsn(own, to, { action: 'failed' });
      expect(dsn.text).toContain(`To: ${envelopeFrom}`);
      expect(dsn.uid).toBe(1);
    } finally {
      await own.logout();
    }
  });

  test('a 452 gives a delayed DSN within seconds, then a final one (4.x.x, failed) when the queue lifetime ends', async () => {
    const box = createMailbox();
    const own = await connectImap(box.account);
    try {
      const to = `full-${tag()}@${postfixInfo().deferDomain}`;
      await sendViaPostfix({ to, bounceDomain: box.bounceDomain });
      const delayed = await waitForDsn(own, to, { action: 'delayed', timeoutMs: 15_000 });
      expect(delayed.text).toMatch(/^Status: 4\.2\.2/m);
      expect(delayed.text).toContain('Delayed Mail (still being retried)');
      const failed = await waitForDsn(own, to, { action: 'failed', timeoutMs: 45_000 });
      expect(failed.text).toMatch(/^Status: 4\.2\.2/m);
      expect(failed.uid).toBeGreaterThan(delayed.uid);
    } finally {
      await own.logout();
    }
  }, 60_000);
});
