import { describe, expect, test } from 'vitest';
import { categoryOf, detectReason } from '../../../src/bounce/reasons/index.js';

const reason = (status: string | null, text: string, final = true) => detectReason({ status, texts: [text], final });

describe('reason → category table (bounce-policy.md §1)', () => {
  test.each([
    ['userunknown', 'hard'],
    ['hostunknown', 'hard'],
    ['hasmoved', 'hard'],
    ['notaccept', 'hard'],
    ['suppressed', 'hard'],
    ['undefined', 'hard'],
    ['onhold', 'hard'],
    ['mailboxfull', 'soft'],
    ['mesgtoobig', 'soft'],
    ['exceedlimit', 'soft'],
    ['suspend', 'soft'],
    ['expired', 'soft'],
    ['systemerror', 'soft'],
    ['systemfull', 'soft'],
    ['mailererror', 'soft'],
    ['networkerror', 'soft'],
    ['filtered', 'soft'],
    ['blocked', 'blocked'],
    ['badreputation', 'blocked'],
    ['spamdetected', 'blocked'],
    ['contenterror', 'blocked'],
    ['policyviolation', 'blocked'],
    ['securityerror', 'blocked'],
    ['authfailure', 'blocked'],
    ['requireptr', 'blocked'],
    ['rejected', 'blocked'],
    ['norelaying', 'blocked'],
    ['notcompliantrfc', 'blocked'],
    ['syntaxerror', 'blocked'],
    ['toomanyconn', 'blocked'],
    ['speeding', 'blocked'],
    ['virusdetected', 'blocked'],
  ] as const)('%s is %s', (r, c) => expect(categoryOf(r)).toBe(c));
});

describe('reason detection from status and text', () => {
  test.each([
    ['5.1.1', '550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO)', 'userunknown', 'hard'],
    ['5.1.2', 'Host or domain name not found', 'hostunknown', 'hard'],
    ['5.2.2', '552 5.2.2 Recipient address rejected: mailbox full', 'mailboxfull', 'soft'],
    [null, 'Sorry, your message to a@b.example cannot be delivered. This account is over quota.', 'mailboxfull', 'soft'],
    ['5.3.4', '552 5.3.4 Message size exceeds fixed limit', 'mesgtoobig', 'soft'],
    [null, 'This account has been disabled or discontinued', 'suspend', 'soft'],
    ['5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked', 'blocked'],
    ['5.7.1', '550 5.7.1 Relaying denied', 'norelaying', 'blocked'],
    ['5.7.26', '550-5.7.26 Unauthenticated email is not accepted due to domain\'s DMARC policy', 'authfailure', 'blocked'],
    [null, '550 Message rejected as spam by content filter', 'spamdetected', 'blocked'],
    [null, '554 5.7.1 Sender address rejected: Domain not found', 'rejected', 'blocked'],
    [null, '421 Too many concurrent SMTP connections; please try again later', 'toomanyconn', 'blocked'],
    [null, 'Connection timed out', 'networkerror', 'soft'],
    [null, 'Message could not be delivered for 5 days: retry time exceeded', 'expired', 'soft'],
    [null, 'something nobody has seen before', 'undefined', 'hard'],
  ] as const)('%s / %s → %s (%s)', (status, text, r, c) => {
    expect(reason(status, text)).toMatchObject({ reason: r, category: c });
  });

  test('a 4.x.x status in a final failure is soft: an unknown user retried until expiry is "expired"', () => {
    expect(reason('4.1.1', '450 4.1.1 <a@b.example>: Recipient address rejected: User unknown in virtual alias table')).toMatchObject({
      category: 'soft',
      reason: 'expired',
      status: '4.1.1',
    });
  });

  test('the status is taken from the text when the report has none', () => {
    expect(reason(null, 'Sorry, no mailbox here by that name. (#5.1.1)')).toMatchObject({ status: '5.1.1', category: 'hard' });
  });
});
