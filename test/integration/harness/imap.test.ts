import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { describe, expect, test } from 'vitest';
import { connectImap, createMailbox, imapAccount, waitForMessage } from '../../helpers/mail.js';

function rawMessage(subject: string): string {
  return [
    'From: Someone <someone@example.org>',
    'To: bounces@lists.example.test',
    `Subject: ${subject}`,
    `Message-ID: <${randomBytes(6).toString('hex')}@example.org>`,
    'Date: Wed, 25 Nov 2026 02:00:00 +0000',
    '',
    'Body text.',
    '',
  ].join('\r\n');
}

describe('Dovecot (the harness IMAP server)', () => {
  test('logs in as bounces, appends a message and fetches it back', async () => {
    const imap = await connectImap();
    try {
      const subject = `append-${randomBytes(4).toString('hex')}`;
      const res = await imap.append('INBOX', rawMessage(subject));
      expect(res && typeof res.uid).toBe('number');
      const got = await waitForMessage(imap, (m) => m.text.includes(subject));
      const parsed = await simpleParser(got.source);
      expect(parsed.subject).toBe(subject);
      // imapflow returns UIDVALIDITY as a BigInt
      expect(typeof imap.mailbox && typeof (imap.mailbox as { uidValidity: unknown }).uidValidity).toBe('bigint');
    } finally {
      await imap.logout();
    }
  });

  test('the folders the poller moves mail into exist, and a wrong password is refused', async () => {
    const imap = await connectImap(imapAccount('alice'));
    try {
      const names = (await imap.list()).map((m) => m.path);
      expect(names).toEqual(expect.arrayContaining(['INBOX', 'Processed']));
    } finally {
      await imap.logout();
    }
    await expect(connectImap({ ...imapAccount(), password: 'wrong' })).rejects.toThrow();
  });

  test('createMailbox gives a fresh, empty mailbox of its own', async () => {
    const box = createMailbox();
    const imap = await connectImap(box.account);
    try {
      const status = await imap.status('INBOX', { messages: true });
      expect(status && status.messages).toBe(0);
      await imap.append('INBOX', rawMessage('mine'));
      const got = await waitForMessage(imap, (m) => m.text.includes('Subject: mine'));
      expect(got.uid).toBe(1);
    } finally {
      await imap.logout();
    }
  });
});
