// The pure parts of the intake: which clues a classified message gives, which recipient block describes a
// member, where a message is filed, and UID sets.
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../../src/bounce/types.js';
import { encodeVerp, trackingValue } from '../../../src/bounce/verp.js';
import { cluesOf, isSuccessDsn, recipientFor } from '../../../src/intake/clues.js';
import { unsubscribeAddress } from '../../../src/links/index.js';
import { stateFor } from '../../../src/intake/pipeline.js';
import { compactUidSet } from '../../../src/intake/poller.js';

const opts = { bounceDomain: 'lists.example.test', secret: 'unit-secret-0123456789abcdefghijklmnop' };

function classification(over: Partial<Classification> = {}): Classification {
  return {
    kind: 'bounce',
    recipients: [],
    complaint: null,
    ids: {
      deliveredTo: [],
      originalMessageId: null,
      originalListId: null,
      originalTracking: null,
      originalFrom: null,
      originalTo: null,
      originalSubject: null,
    },
    messageId: null,
    subject: null,
    from: null,
    detector: 'dsn',
    ...over,
  };
}

const rcpt = (address: string, category: 'hard' | 'soft' | 'blocked' = 'hard') => ({
  address,
  status: category === 'hard' ? '5.1.1' : '4.2.2',
  reason: category === 'hard' ? ('userunknown' as const) : ('mailboxfull' as const),
  category,
  diagnostic: null,
  remoteMta: null,
  action: 'failed' as const,
});

describe('cluesOf', () => {
  it('takes the VERP address the bounce was delivered to, in both the plain and the signed token form', () => {
    const plain = encodeVerp('dev', { address: 'Ann@Example.org', memberId: 7 }, opts);
    const c1 = cluesOf(classification({ ids: { ...classification().ids, deliveredTo: ['other@x.example', plain] } }), opts);
    expect(c1.verp).toEqual({ listName: 'dev', address: 'ann@example.org', memberId: null });
    const long = `${'x'.repeat(60)}@example.org`;
    const token = encodeVerp('dev', { address: long, memberId: 42 }, opts);
    expect(cluesOf(classification({ ids: { ...classification().ids, deliveredTo: [token] } }), opts).verp).toEqual({
      listName: 'dev',
      address: null,
      memberId: 42,
    });
  });

  it('ignores a forged token and VERP of another domain', () => {
    const forged = 'dev-bounces+t.42.aaaaaaaaaaaa@lists.example.test';
    const foreign = 'dev-bounces+ann=example.org@elsewhere.example';
    const c = cluesOf(classification({ ids: { ...classification().ids, deliveredTo: [forged, foreign] } }), opts);
    expect(c.verp).toBeNull();
  });

  it('reads the signed tracking header (post deliveries only), the plain bounce address and the List-Id as list hints', () => {
    const c = cluesOf(
      classification({
        recipients: [rcpt('ann@example.org')],
        ids: {
          ...classification().ids,
          deliveredTo: ['dev-bounces@lists.example.test'],
          originalListId: 'Dev list <announce.lists.example.test>',
          originalTracking: trackingValue('post', 99, opts.secret),
        },
      }),
      opts,
    );
    expect(c).toEqual({ verp: null, deliveryId: 99, listNames: ['dev', 'announce'], addresses: ['ann@example.org'], unsubscribe: null });
    const notice = cluesOf(classification({ ids: { ...classification().ids, originalTracking: trackingValue('notice', 5, opts.secret) } }), opts);
    expect(notice.deliveryId).toBeNull();
    const forged = cluesOf(classification({ ids: { ...classification().ids, originalTracking: 'd99.AAAAAAAAAA' } }), opts);
    expect(forged.deliveryId).toBeNull();
  });

  it('reads mail to a list unsubscribe address as a request, signed or not, preferring a signed one', () => {
    const signed = unsubscribeAddress('dev', 7, opts);
    const c = cluesOf(
      classification({ kind: 'other', ids: { ...classification().ids, deliveredTo: ['dev-unsubscribe@lists.example.test', signed] } }),
      opts,
    );
    expect(c.unsubscribe).toEqual({ listName: 'dev', memberId: 7 });
    const plain = cluesOf(classification({ kind: 'other', ids: { ...classification().ids, deliveredTo: ['dev-unsubscribe@lists.example.test'] } }), opts);
    expect(plain.unsubscribe).toEqual({ listName: 'dev', memberId: null });
  });

  it('matches an auto-reply by its sender and a complaint by the complained-about address', () => {
    expect(cluesOf(classification({ kind: 'autoreply', from: 'Ann@Example.org' }), opts).addresses).toEqual(['ann@example.org']);
    expect(
      cluesOf(classification({ kind: 'complaint', complaint: { address: 'bob@example.org', feedbackType: 'abuse' } }), opts).addresses,
    ).toEqual(['bob@example.org']);
    expect(cluesOf(classification({ kind: 'other', from: 'ann@example.org' }), opts).addresses).toEqual([]);
  });
});

describe('recipientFor', () => {
  it("prefers the member's own block, else the most severe", () => {
    const c = classification({ recipients: [rcpt('a@x.example', 'soft'), rcpt('b@x.example', 'hard'), rcpt('c@x.example', 'blocked')] });
    expect(recipientFor(c, 'a@x.example')?.category).toBe('soft');
    expect(recipientFor(c, 'forwarded@y.example')?.address).toBe('b@x.example');
    expect(recipientFor(classification(), 'a@x.example')).toBeNull();
  });
});

describe('stateFor', () => {
  it('files non-bounces to a person, bounces naming no member as unrecognised', () => {
    expect(stateFor('other', 0)).toBe('unprocessed');
    expect(stateFor('bounce', 0)).toBe('unrecognised');
    expect(stateFor('delay', 0)).toBe('unrecognised');
    expect(stateFor('complaint', 2)).toBe('processed');
    expect(stateFor('autoreply', 1)).toBe('processed');
    expect(stateFor('autoreply', 0)).toBe('unprocessed');
  });
});

describe('isSuccessDsn', () => {
  it('recognises a delivered/relayed DSN the classifier files as other', () => {
    const raw = Buffer.from('Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@x.example\r\nAction: relayed\r\n--b--\r\n');
    expect(isSuccessDsn(classification({ kind: 'other' }), raw)).toBe(true);
    expect(isSuccessDsn(classification({ kind: 'bounce' }), raw)).toBe(false);
    expect(isSuccessDsn(classification({ kind: 'other' }), Buffer.from('Subject: hi\r\n\r\nAction: relayed\r\n'))).toBe(false);
  });
});

describe('compactUidSet', () => {
  it('writes runs as ranges', () => {
    expect(compactUidSet([5, 1, 2, 3, 7, 9, 10])).toBe('1:3,5,7,9:10');
    expect(compactUidSet([42])).toBe('42');
  });
});
