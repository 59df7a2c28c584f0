import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMessage, listIdHeader, unsubscribeHeaders } from '../../../src/sending/message.js';
import { classifyReply, expiredReply, retryDelayMs } from '../../../src/sending/reply.js';
import { dotStuff } from '../../../src/sending/smtp-client.js';
import { reputationAlarm } from '../../../src/notices/reputation.js';
import { RateLimiter } from '../../../src/sending/rate.js';

const base = {
  from: { name: 'Café, Club', address: 'club@lists.example.org' },
  to: 'ana@example.net',
  messageId: 'lk.d1.1.abc@lists.example.org',
  date: new Date('2026-03-01T10:00:00Z'),
  headers: [['List-Id', listIdHeader('Café Club', 'club', 'lists.example.org')], ...unsubscribeHeaders('https://x/s/unsubscribe/t', 'mailto:club-unsubscribe@lists.example.org')] as Array<[string, string]>,
};

describe('message building', () => {
  it('builds multipart/alternative that a MIME parser reads back, non-ASCII encoded', async () => {
    const raw = buildMessage({ ...base, subject: 'Ünïcode news', text: 'Grüße\nline 2', html: '<p>Grüße</p>' });
    expect(raw).not.toMatch(/[^\x00-\x7f]/);
    const m = await simpleParser(raw);
    expect(m.subject).toBe('Ünïcode news');
    expect(m.text?.trim()).toBe('Grüße\nline 2');
    expect(m.html).toBe('<p>Grüße</p>');
    expect(m.from?.value[0]).toEqual({ name: 'Café, Club', address: 'club@lists.example.org' });
    expect(m.messageId).toBe('<lk.d1.1.abc@lists.example.org>');
    expect(raw).toContain('List-Unsubscribe: <https://x/s/unsubscribe/t>, <mailto:club-unsubscribe@lists.example.org>\r\n');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
  });

  it('keeps plain short ASCII as 7bit and cannot be made to inject headers', async () => {
    const raw = buildMessage({ ...base, subject: 'Hi\r\nBcc: evil@x', text: 'plain', html: null });
    expect(raw).toContain('Content-Transfer-Encoding: 7bit');
    expect(raw).not.toMatch(/\r\nBcc:/);
    const m = await simpleParser(raw);
    expect(m.subject).toBe('Hi Bcc: evil@x');
  });

  it('List-Id phrases: atoms bare, specials quoted', () => {
    expect(listIdHeader('News & Notes', 'news', 'l.org')).toBe('News & Notes <news.l.org>');
    expect(listIdHeader('Dr. Who, fans', 'who', 'l.org')).toBe('"Dr. Who, fans" <who.l.org>');
    expect(listIdHeader('', 'x', 'l.org')).toBe('<x.l.org>');
  });

  it('dot-stuffs lines starting with a dot and terminates the data', () => {
    expect(dotStuff('a\r\n.b\r\n')).toBe('a\r\n..b\r\n.\r\n');
    expect(dotStuff('.x')).toBe('..x\r\n.\r\n');
  });
});

describe('SMTP replies', () => {
  it('5xx is a permanent failure classified like a DSN; 4xx temporary; no answer is ours', () => {
    expect(classifyReply(550, '5.1.1 <a@b>: Recipient address rejected: User unknown')).toMatchObject({ kind: 'permanent', reason: 'userunknown', category: 'hard', status: '5.1.1' });
    expect(classifyReply(552, '5.2.2 Mailbox full')).toMatchObject({ kind: 'permanent', category: 'soft' });
    expect(classifyReply(554, '5.7.1 Client host blocked using zen.spamhaus.org')).toMatchObject({ kind: 'permanent', category: 'blocked' });
    expect(classifyReply(452, '4.2.2 Mailbox full')).toMatchObject({ kind: 'temporary', ours: false });
    expect(classifyReply(null, 'connect ECONNREFUSED')).toMatchObject({ kind: 'temporary', ours: true });
    expect(classifyReply(250, 'OK')).toEqual({ kind: 'accepted' });
  });

  it('a 4xx given up on is a soft bounce', () => {
    expect(expiredReply(450, '450 4.1.1 try later: user unknown?')).toMatchObject({ category: 'soft' });
  });

  it('backoff follows the schedule, then gives up', () => {
    expect(retryDelayMs(1, [10, 20])).toBe(10);
    expect(retryDelayMs(2, [10, 20])).toBe(20);
    expect(retryDelayMs(3, [10, 20])).toBeNull();
  });
});

describe('reputation alarm and rate limiter', () => {
  it('needs both a count and a share', () => {
    expect(reputationAlarm(9, 10).alarm).toBe(false);
    expect(reputationAlarm(10, 10).alarm).toBe(true);
    expect(reputationAlarm(10, 1000).alarm).toBe(false);
    expect(reputationAlarm(50, 1000).alarm).toBe(true);
  });

  it('paces takes at the configured rate (fake time)', async () => {
    let now = 0;
    const waits: number[] = [];
    const rl = new RateLimiter(10, () => now);
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      waits.push(ms);
      fn();
      return 0;
    }) as unknown as typeof setTimeout;
    try {
      for (let i = 0; i < 5; i++) await rl.take();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(waits).toEqual([100, 200, 300, 400]);
    now = 1000;
    await rl.take();
  });
});
