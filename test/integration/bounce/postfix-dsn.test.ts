// Real DSNs from the harness's Postfix, classified by the pure classifier.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { classify } from '../../../src/bounce/classify.js';
import {
  connectImap,
  createMailbox,
  postfixInfo,
  sendViaPostfix,
  unknownUserAddress,
  waitForDsn,
} from '../../helpers/mail.js';

const tag = (): string => randomBytes(4).toString('hex');

describe('classifying real Postfix DSNs', () => {
  let imap: ImapFlow;
  beforeAll(async () => {
    imap = await connectImap();
  });
  afterAll(async () => {
    await imap.logout();
  });

  test('an unknown local user is a hard bounce 5.1.1 (userunknown), tied to the VERP address and the original post', async () => {
    const to = unknownUserAddress();
    const { envelopeFrom, messageId } = await sendViaPostfix({
      to,
      list: 'dev',
      headers: { 'List-Id': '<dev.lists.example.test>', 'X-Listkeeper-Tracking': 'post-42' },
    });
    const dsn = await waitForDsn(imap, to, { action: 'failed' });
    const c = classify(dsn.source);
    expect(c.kind).toBe('bounce');
    expect(c.detector).toBe('postfix');
    expect(c.recipients).toHaveLength(1);
    expect(c.recipients[0]).toMatchObject({ address: to, status: '5.1.1', reason: 'userunknown', category: 'hard', action: 'failed' });
    expect(c.ids.deliveredTo).toContain(envelopeFrom.toLowerCase());
    expect(c.ids.originalMessageId).toBe(messageId);
    expect(c.ids.originalListId).toBe('<dev.lists.example.test>');
    expect(c.ids.originalTracking).toBe('post-42');
  });

  test('a remote 550 5.1.1 at RCPT is a hard bounce with the remote diagnostic', async () => {
    const to = `gone-${tag()}@${postfixInfo().rejectDomain}`;
    await sendViaPostfix({ to });
    const dsn = await waitForDsn(imap, to, { action: 'failed' });
    const c = classify(dsn.source);
    expect(c.kind).toBe('bounce');
    expect(c.recipients[0]).toMatchObject({ address: to, status: '5.1.1', category: 'hard' });
    expect(c.recipients[0].diagnostic).toMatch(/550 5\.1\.1/);
  });

  test('a 452 is first a delay (never scored), then, when the queue lifetime ends, a soft bounce (4.x.x final failure)', async () => {
    const box = createMailbox();
    const own = await connectImap(box.account);
    try {
      const to = `full-${tag()}@${postfixInfo().deferDomain}`;
      await sendViaPostfix({ to, bounceDomain: box.bounceDomain });

      const delayed = classify((await waitForDsn(own, to, { action: 'delayed', timeoutMs: 45_000 })).source);
      expect(delayed.kind).toBe('delay');
      expect(delayed.recipients).toHaveLength(1);
      expect(delayed.recipients[0]).toMatchObject({ address: to, status: '4.2.2', action: 'delayed', category: 'soft' });

      const failed = classify((await waitForDsn(own, to, { action: 'failed', timeoutMs: 90_000 })).source);
      expect(failed.kind).toBe('bounce');
      expect(failed.recipients[0]).toMatchObject({ address: to, status: '4.2.2', action: 'failed', category: 'soft' });
      // A 4.x.x final failure is soft whatever the text: here the text says "Mailbox full".
      expect(['expired', 'mailboxfull']).toContain(failed.recipients[0].reason);
    } finally {
      await own.logout();
    }
  }, 150_000);
});
