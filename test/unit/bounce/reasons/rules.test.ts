// The rules of reasons/index.ts that decide between reasons, each with the spec line it implements
// (bounce-policy.md §1), and the registry's completeness.
import { describe, expect, test } from 'vitest';
import { categoryOf, detectReason, reasonRules } from '../../../../src/bounce/reasons/index.js';
import type { Reason } from '../../../../src/bounce/types.js';

const final = (status: string | null, text: string, more: Partial<Parameters<typeof detectReason>[0]> = {}) =>
  detectReason({ status, texts: [text], final: true, ...more });

describe('the registry', () => {
  const all: Reason[] = [
    'userunknown', 'hostunknown', 'hasmoved', 'notaccept', 'suppressed', 'undefined', 'onhold', 'mailboxfull', 'mesgtoobig',
    'exceedlimit', 'suspend', 'expired', 'systemerror', 'systemfull', 'mailererror', 'networkerror', 'filtered', 'blocked',
    'badreputation', 'spamdetected', 'contenterror', 'policyviolation', 'securityerror', 'authfailure', 'requireptr', 'rejected',
    'norelaying', 'notcompliantrfc', 'syntaxerror', 'toomanyconn', 'speeding', 'virusdetected', 'failedstarttls',
  ];
  test('every reason of the vocabulary has exactly one rule file', () => {
    const names = reasonRules().map((r) => r.reason);
    expect([...names].sort()).toEqual([...all].sort());
  });

  test.each([
    ['hard', ['userunknown', 'hostunknown', 'hasmoved', 'notaccept', 'suppressed', 'undefined', 'onhold']],
    ['soft', ['mailboxfull', 'mesgtoobig', 'exceedlimit', 'suspend', 'expired', 'systemerror', 'systemfull', 'mailererror', 'networkerror', 'filtered']],
    [
      'blocked',
      ['blocked', 'badreputation', 'spamdetected', 'contenterror', 'policyviolation', 'securityerror', 'authfailure', 'requireptr',
        'rejected', 'norelaying', 'notcompliantrfc', 'syntaxerror', 'toomanyconn', 'speeding', 'virusdetected', 'failedstarttls'],
    ],
  ] as const)('the spec\'s %s reasons', (category, reasons) => {
    for (const r of reasons) expect([r, categoryOf(r)]).toEqual([r, category]);
  });

  test('phrases are lower case (they are matched in lower-cased text)', () => {
    for (const r of reasonRules()) for (const p of [...(r.phrases ?? []), ...(r.weak ?? [])]) expect([r.reason, p]).toEqual([r.reason, p.toLowerCase()]);
  });
});

describe('a specific status decides first', () => {
  test.each([
    ['5.1.1', '550 5.1.1 rejected', 'userunknown'],
    ['5.1.2', '550 bad destination system', 'hostunknown'],
    ['5.2.2', '552 5.2.2 Recipient address rejected: user unknown here too', 'mailboxfull'],
    ['5.3.4', '552 rejected', 'mesgtoobig'],
    ['5.7.26', '550 rejected', 'authfailure'],
  ] as const)('%s with "%s" → %s', (status, text, reason) => expect(final(status, text).reason).toBe(reason));

  test('a status the reporting MTA derived from a bare reply code does not decide: the reply\'s words do', () => {
    expect(final('5.1.1', '550 Local mailbox ann@example.org is unavailable: account is disabled')).toMatchObject({ reason: 'suspend' });
    expect(final('5.1.1', '550 5.1.1 Local mailbox is unavailable: account is disabled')).toMatchObject({ reason: 'userunknown' });
  });

  test('a reply naming a refusal of the sending host overrides the server\'s default RCPT status', () => {
    expect(final('5.1.1', '550 5.1.1 192.0.2.1 has sent to too many recipients this hour, rate limit')).toMatchObject({ category: 'blocked' });
  });
});

describe('text refines a generic status', () => {
  test.each([
    ['5.0.0', '550 Mailbox full', 'mailboxfull'],
    ['5.1.0', '550 5.1.0 sender rejected', 'rejected'],
    ['5.2.0', '550 5.2.0 Mailbox disabled for this recipient', 'suspend'],
    ['5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net', 'blocked'],
  ] as const)('%s with "%s" → %s', (status, text, reason) => expect(final(status, text).reason).toBe(reason));

  test('the remote server\'s own status beats a relaying system\'s prefix', () => {
    expect(final(null, "5.1.0 - Unknown address error 550-'5.7.1 Access denied'").status).toBe('5.7.1');
  });

  test('X.7.x puts the failure in the blocked family; wording about the user under 5.7.1 stays about the mailbox', () => {
    expect(final('5.7.1', '550 5.7.1 Access denied')).toMatchObject({ category: 'blocked' });
    expect(final('5.7.1', '550 5.7.1 <ann@example.org>: Recipient address rejected: User unknown')).toMatchObject({ reason: 'userunknown' });
  });
});

describe('unknown users (the convention of issue 13)', () => {
  test.each([
    ['5.0.0', '550 User unknown'],
    ['5.1.0', '550 5.1.0 Address rejected'],
    ['5.2.1', '550 5.2.1 <ann@example.org>... User Unknown'],
    ['5.0.0', '550-5.1.1 The email account that you tried to reach does not exist.'],
    [null, '550 unknown user <ann@example.org>'],
  ] as const)('%s with "%s" is userunknown, hard, with no command known', (status, text) => {
    expect(final(status, text)).toMatchObject({ reason: 'userunknown', category: 'hard' });
  });

  test('refused at RCPT: userunknown', () => {
    expect(final('5.0.0', '550 User unknown', { command: 'RCPT' })).toMatchObject({ reason: 'userunknown', category: 'hard' });
  });

  test('refused after DATA: a filter that read the message (filtered, soft)', () => {
    expect(final('5.0.0', '550 User unknown', { command: 'DATA' })).toMatchObject({ reason: 'filtered', category: 'soft' });
  });

  test('an X.1.1 status keeps it an unknown user even after DATA', () => {
    expect(final('5.1.1', '550 5.1.1 User unknown', { command: 'DATA' })).toMatchObject({ reason: 'userunknown' });
  });
});

describe('the SMTP command', () => {
  test('a refusal at MAIL FROM is about the sender: rejected', () => {
    expect(final('5.0.0', '550 no such user (in reply to MAIL FROM command)')).toMatchObject({ reason: 'rejected', category: 'blocked' });
  });
  test('a refusal at connection or HELO is about our host: blocked', () => {
    expect(final(null, 'SMTP error from remote mail server after initial connection: 554 go away')).toMatchObject({ category: 'blocked' });
    expect(final(null, 'Connected to 192.0.2.7 but my name was rejected. Remote host said: 550 5.0.0 Invalid domain name')).toMatchObject({ reason: 'blocked' });
  });
  test('a content verdict cannot come before DATA', () => {
    expect(final(null, '550 your host is a known spam source (in reply to RCPT TO command)').reason).not.toBe('spamdetected');
  });
});

describe('temporary and final', () => {
  test.each([
    ['4.1.1', '450 4.1.1 <ann@example.org>: Recipient address rejected: User unknown in virtual alias table'],
    ['4.7.1', '451 4.7.1 Recipient address rejected: Greylisted'],
    ['4.0.0', '554 Service not available'],
  ] as const)('a 4.x.x (or 4xx) final failure is soft: %s %s', (status, text) => {
    expect(final(status, text)).toMatchObject({ category: 'soft' });
  });

  test.each([
    [null, '421 Too many concurrent SMTP connections; please try again later', 'toomanyconn'],
    ['4.7.0', '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', null],
    ['4.7.1', '450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]', 'requireptr'],
  ] as const)('a temporary refusal of the sending side that outlasts the queue stays blocked: %s %s', (status, text, reason) => {
    const r = final(status, text);
    expect(r.category).toBe('blocked');
    if (reason) expect(r.reason).toBe(reason);
  });

  test('it is "expired" unless a more specific soft reason is named', () => {
    expect(final('4.7.1', '451 4.7.1 Greylisted')).toMatchObject({ reason: 'expired' });
    expect(final('4.2.2', '452 4.2.2 Mailbox full')).toMatchObject({ reason: 'mailboxfull' });
  });

  test('a delay warning keeps the named reason, and without one is "expired"', () => {
    expect(detectReason({ status: '4.2.2', texts: ['452 4.2.2 Mailbox full'], final: false }).reason).toBe('mailboxfull');
    expect(detectReason({ status: '4.0.0', texts: ['delivery delayed'], final: false }).reason).toBe('expired');
  });
});

describe('provider codes name the reason exactly', () => {
  test.each([
    ['552 5.1.1 Boite du destinataire pleine. OFR_417 [417]', 'mailboxfull'],
    ['550 5.5.0 Le compte du destinataire est bloque. LPN007_426', 'suspend'],
    ['550 SC-004 Mail rejected by Outlook.com for policy reasons', 'blocked'],
  ] as const)('"%s" → %s', (text, reason) => expect(final(null, text).reason).toBe(reason));
});

describe('reply codes when nothing else is said', () => {
  test.each([
    ['552', 'mailboxfull'],
    ['521', 'notaccept'],
    ['530', 'securityerror'],
    ['501', 'syntaxerror'],
  ] as const)('%s → %s', (code, reason) => expect(final(null, `${code} `).reason).toBe(reason));
});
