import { describe, expect, test } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import { dsn, human, mail, notice, ORIGINAL_HEADERS, VERP } from './messages.js';

describe('RFC 3464 delivery status notifications', () => {
  test('a failed recipient with 5.1.1 is a hard userunknown bounce with status, diagnostic and remote MTA fields', () => {
    const c = classify(
      dsn({ recipients: [{ address: 'Ann@Example.org', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown' }] }),
    );
    expect(c.kind).toBe('bounce');
    // The detector names the format that answered (issue 13); a report from no known system is plain RFC 3464.
    expect(c.detector).toBe('rfc3464');
    expect(c.recipients).toEqual([
      expect.objectContaining({ address: 'ann@example.org', status: '5.1.1', reason: 'userunknown', category: 'hard', action: 'failed' }),
    ]);
    expect(c.recipients[0].diagnostic).toContain('User unknown');
  });

  test('5.2.2 mailbox full is soft although the status is permanent', () => {
    const c = classify(dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }] }));
    expect(c.recipients[0]).toMatchObject({ reason: 'mailboxfull', category: 'soft' });
  });

  test('a 4.x.x status in a final failure is soft, and "expired" when nothing else is known', () => {
    const c = classify(dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '4.4.1', diagnostic: 'host mx.example.org said: 450 4.1.1 try later' }] }));
    expect(c.kind).toBe('bounce');
    expect(c.recipients[0].category).toBe('soft');
    const d = classify(dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '4.1.1' }] }));
    expect(d.recipients[0]).toMatchObject({ reason: 'expired', category: 'soft' });
  });

  test('an unknown reason is hard', () => {
    // A diagnostic that names nothing known is Sisimai's "onhold"; both it and "undefined" are hard (bounce-policy.md §1).
    const c = classify(dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.0.0', diagnostic: 'X-Unknown; something odd happened' }] }));
    expect(c.recipients[0]).toMatchObject({ reason: 'onhold', category: 'hard' });
    const d = classify(dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.0.0' }], notice: 'Delivery failed.' }));
    expect(d.recipients[0]).toMatchObject({ category: 'hard' });
  });

  test('a refusal of the sending host (blocklist) is "blocked", not the member\'s fault', () => {
    const c = classify(
      dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.7.1', diagnostic: '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org' }] }),
    );
    expect(c.recipients[0].category).toBe('blocked');
  });

  test('every recipient delayed is a delay, recorded with category soft', () => {
    const c = classify(
      dsn({
        subject: 'Delayed Mail (still being retried)',
        returned: 'headers',
        recipients: [{ address: 'ann@example.org', action: 'delayed', status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full, try again later' }],
      }),
    );
    expect(c.kind).toBe('delay');
    expect(c.recipients[0]).toMatchObject({ address: 'ann@example.org', action: 'delayed', category: 'soft' });
  });

  test('only the failed recipients of a mixed report are reported', () => {
    const c = classify(
      dsn({
        recipients: [
          { address: 'ann@example.org', action: 'failed', status: '5.1.1' },
          { address: 'bob@example.org', action: 'delivered', status: '2.0.0' },
          { address: 'cid@example.org', action: 'failed', status: '5.2.2' },
        ],
      }),
    );
    expect(c.recipients.map((r) => [r.address, r.category])).toEqual([
      ['ann@example.org', 'hard'],
      ['cid@example.org', 'soft'],
    ]);
  });

  test('a success DSN is "other"', () => {
    const c = classify(dsn({ subject: 'Successful Mail Delivery Report', recipients: [{ address: 'ann@example.org', action: 'delivered', status: '2.0.0' }] }));
    expect(c.kind).toBe('other');
    expect(c.recipients).toEqual([]);
  });

  test('the VERP address and the original message headers are extracted (message/rfc822 and text/rfc822-headers)', () => {
    for (const returned of ['message', 'headers'] as const) {
      const c = classify(dsn({ returned, recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.1.1' }] }));
      expect(c.ids).toEqual({
        deliveredTo: [VERP],
        originalMessageId: '<post-7.ann@lists.example.test>',
        originalListId: '<news.lists.example.test>',
        originalTracking: 'p7.m12',
        originalFrom: 'News <news@lists.example.test>',
        originalTo: 'ann@example.org',
        originalSubject: 'Issue 7',
      });
      expect(c.messageId).toBe('<dsn-1@mx.example.net>');
    }
  });
});

describe('failure notices without a DSN', () => {
  test('qmail: "<address>:" then the remote answer', () => {
    const c = classify(
      notice({
        subject: 'failure notice',
        body: `Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ann@example.org>:
192.0.2.7 does not like recipient.
Remote host said: 550 5.1.1 <ann@example.org>: mailbox unknown
Giving up on 192.0.2.7.

--- Below this line is a copy of the message.

${ORIGINAL_HEADERS}

Hello members. Write to help@lists.example.test with questions.
`,
      }),
    );
    expect(c.kind).toBe('bounce');
    expect(c.recipients.map((r) => r.address)).toEqual(['ann@example.org']);
    expect(c.recipients[0]).toMatchObject({ status: '5.1.1', category: 'hard' });
    expect(c.ids.originalMessageId).toBe('<post-7.ann@lists.example.test>');
    expect(c.ids.originalListId).toBe('<news.lists.example.test>');
  });

  test('Exim: X-Failed-Recipients names the failures; quota is soft', () => {
    const c = classify(
      notice({
        from: 'Mail Delivery System <Mailer-Daemon@mx.example.net>',
        subject: 'Mail delivery failed: returning message to sender',
        headers: { 'X-Failed-Recipients': 'ann@example.org, bob@example.org', 'Auto-Submitted': 'auto-replied' },
        body: `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ann@example.org
    mailbox is full: retry timeout exceeded
  bob@example.org
    Unrouteable address

------ This is a copy of the message, including all the headers. ------
${ORIGINAL_HEADERS}
`,
      }),
    );
    expect(c.kind).toBe('bounce');
    expect(c.detector).toBe('exim');
    expect(c.recipients.map((r) => [r.address, r.category])).toEqual([
      ['ann@example.org', 'soft'],
      ['bob@example.org', 'hard'],
    ]);
  });

  test('Sendmail without DSN: the "permanent fatal errors" list', () => {
    const c = classify(
      notice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: see transcript for details',
        body: `The original message was received at Mon, 2 Nov 2026 10:00:00 GMT
from relay.lists.example.test [192.0.2.5]

   ----- The following addresses had permanent fatal errors -----
<ann@example.org>
    (reason: 550 5.1.1 <ann@example.org>... User unknown)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> RCPT To:<ann@example.org>
<<< 550 5.1.1 <ann@example.org>... User unknown
`,
      }),
    );
    expect(c.recipients.map((r) => [r.address, r.reason, r.category])).toEqual([['ann@example.org', 'userunknown', 'hard']]);
  });

  test('Exchange text: the recipient after "did not reach", not the addresses of the original', () => {
    const c = classify(
      notice({
        from: 'System Administrator <postmaster@corp.example.org>',
        subject: 'Undeliverable: Issue 7',
        body: `Your message

  To:      news@lists.example.test
  Subject: Issue 7
  Sent:    Mon, 2 Nov 2026 10:00:00 +0100

did not reach the following recipient(s):

ANN@EXAMPLE.ORG on Mon, 2 Nov 2026 10:00:05 +0100
    The recipient name is not recognized
`,
      }),
    );
    expect(c.recipients.map((r) => [r.address, r.category])).toEqual([['ann@example.org', 'hard']]);
  });

  test('Lotus Domino: the address is in the subject and the text', () => {
    const c = classify(
      notice({
        from: 'Postmaster@corp.example.org',
        subject: 'DELIVERY FAILURE: User Ann Smith (ann@example.org) not listed in Domino Directory',
        body: 'Your message\n\n  Subject: Issue 7\n\nwas not delivered to:\n\n  ann@example.org\n\nbecause:\n\n  User Ann Smith (ann@example.org) not listed in Domino Directory\n',
      }),
    );
    expect(c.recipients.map((r) => [r.address, r.reason])).toEqual([['ann@example.org', 'userunknown']]);
  });

  test('Gmail-style text notice for a delay is a delay', () => {
    const c = classify(
      notice({
        from: 'Mail Delivery Subsystem <mailer-daemon@mail.example.com>',
        subject: 'Delivery Status Notification (Delay)',
        body: `This is an automatically generated Delivery Status Notification

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipient has been delayed:

     ann@example.org

Message will be retried for 2 more day(s)
`,
      }),
    );
    expect(c.kind).toBe('delay');
    expect(c.recipients.map((r) => [r.address, r.category, r.action])).toEqual([['ann@example.org', 'soft', 'delayed']]);
  });

  test('Yahoo-style: each address followed by why', () => {
    const c = classify(
      notice({
        from: 'MAILER-DAEMON@mail.example.com',
        subject: 'Delivery failure',
        body: `Message from mail.example.com.
Unable to deliver message to the following address(es).

<ann@example.org>:
Sorry, your message to ann@example.org cannot be delivered. This account is over quota.

<bob@example.org>:
Sorry your message to bob@example.org cannot be delivered. This account has been disabled or discontinued.
`,
      }),
    );
    expect(c.recipients.map((r) => [r.address, r.reason, r.category])).toEqual([
      ['ann@example.org', 'mailboxfull', 'soft'],
      ['bob@example.org', 'suspend', 'soft'],
    ]);
  });

  test('Amazon SES notification (JSON inside an SNS mail)', () => {
    const json = JSON.stringify({
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 'ann@example.org', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
      mail: { source: 'news@lists.example.test', destination: ['ann@example.org'] },
    });
    const c = classify(mail({ From: 'AWS Notifications <no-reply@sns.example.com>', To: 'ops@lists.example.test', Subject: 'AWS Notification Message' }, json));
    expect(c.kind).toBe('bounce');
    expect(c.detector).toBe('amazonses');
    expect(c.recipients.map((r) => [r.address, r.status, r.category])).toEqual([['ann@example.org', '5.1.1', 'hard']]);
  });

  test('a contact address in the notice is not a failed recipient', () => {
    const c = classify(
      notice({
        subject: 'Undelivered Mail Returned to Sender',
        body: `I'm sorry to have to inform you that your message could not be delivered to one or more recipients.
For further assistance, please contact <support@mx.example.net>.

<ann@example.org>: host mx.example.org[192.0.2.9] said: 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command)
`,
      }),
    );
    expect(c.recipients.map((r) => r.address)).toEqual(['ann@example.org']);
  });
});

describe('the unknown-user convention (Sisimai vocabulary)', () => {
  test('refused at RCPT: userunknown, hard', () => {
    const c = classify(
      dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.0.0', diagnostic: '550 User unknown (in reply to RCPT TO command)' }] }),
    );
    expect(c.recipients[0]).toMatchObject({ reason: 'userunknown', category: 'hard' });
  });
  test('refused only after DATA with a generic status: a filter\'s verdict, soft', () => {
    const c = classify(
      dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.0.0', diagnostic: '550 User unknown (in reply to end of DATA command)' }] }),
    );
    expect(c.recipients[0]).toMatchObject({ reason: 'filtered', category: 'soft' });
  });
  test('an X.1.1 status keeps it an unknown user whenever it came', () => {
    const c = classify(
      dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown (in reply to end of DATA command)' }] }),
    );
    expect(c.recipients[0]).toMatchObject({ reason: 'userunknown', category: 'hard' });
  });
});

describe('lenient reading', () => {
  test('a Content-Type parameter continued without folding whitespace still finds the parts', () => {
    const raw = mail(
      { From: 'post_master@mail.example.com', To: VERP, Subject: 'Re: Issue 7', 'MIME-Version': '1.0', 'Content-Type': 'multipart/mixed;\r\nboundary="zz"' },
      '--zz\nContent-Type: text/plain\n\nError: Invalid user address\nError message below:\n550 - Requested action not taken: no such user here\n\n  RCPT TO: ann@example.org\n--zz--\n',
    );
    const c = classify(raw);
    expect(c.kind).toBe('bounce');
    expect(c.recipients.map((r) => r.address)).toEqual(['ann@example.org']);
  });

  test('a Chinese notice from a mail system', () => {
    const body = Buffer.from('邮件无法发送到您指定的地址中。\n\n<ann@example.org>:\n\n--- 附件中的内容是原信件的一份拷贝\n', 'utf8').toString('base64');
    const c = classify(
      mail({ From: 'MAILER-DAEMON@mail.example.cn', To: VERP, Subject: '=?UTF-8?B?6YKu5Lu25Lyg6L6T5aSx6LSl77yB?=', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': 'base64' }, body),
    );
    expect(c.kind).toBe('bounce');
    expect(c.recipients.map((r) => r.address)).toEqual(['ann@example.org']);
  });
});

describe('complaints (ARF, RFC 5965)', () => {
  test('a feedback report names the complained-about address and the feedback type', () => {
    const b = 'ARF-b';
    const c = classify(
      mail(
        {
          From: 'feedback@isp.example.com',
          To: 'fbl@lists.example.test',
          Subject: 'Abuse report',
          'MIME-Version': '1.0',
          'Content-Type': `multipart/report; report-type=feedback-report; boundary="${b}"`,
        },
        `--${b}
Content-Type: text/plain

This is an email abuse report.

--${b}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: <Ann@example.org>

--${b}
Content-Type: message/rfc822

${ORIGINAL_HEADERS}

Hello members.
--${b}--
`,
      ),
    );
    expect(c.kind).toBe('complaint');
    expect(c.complaint).toEqual({ address: 'ann@example.org', feedbackType: 'abuse' });
    expect(c.ids.originalMessageId).toBe('<post-7.ann@lists.example.test>');
  });

  test('without Original-Rcpt-To the address comes from the reported message', () => {
    const b = 'ARF-c';
    const c = classify(
      mail(
        { From: 'fbl@isp.example.com', Subject: 'Complaint', 'Content-Type': `multipart/report; report-type=feedback-report; boundary="${b}"` },
        `--${b}\nContent-Type: message/feedback-report\n\nFeedback-Type: opt-out\n\n--${b}\nContent-Type: text/rfc822-headers\n\n${ORIGINAL_HEADERS}\n--${b}--\n`,
      ),
    );
    expect(c.complaint).toEqual({ address: 'ann@example.org', feedbackType: 'opt-out' });
  });
});

describe('opt-outs sent by mail clients', () => {
  test('Apple Mail\'s unsubscribe message is an opt-out complaint from its sender', () => {
    const c = classify(
      mail(
        { From: 'Ann <ann@example.org>', To: 'news-leave@lists.example.test', Subject: 'unsubscribe', 'Auto-Submitted': 'auto-replied', 'X-Apple-Unsubscribe': 'true' },
        'Apple Mail sent this email to unsubscribe from the message "Issue 7".',
      ),
    );
    expect(c.kind).toBe('complaint');
    expect(c.complaint).toEqual({ address: 'ann@example.org', feedbackType: 'opt-out' });
  });
});

describe('automatic replies are never bounces', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['RFC 3834 Auto-Submitted', { Subject: 'Re: Issue 7', 'Auto-Submitted': 'auto-replied' }, 'Thank you for your mail. I will read it soon.'],
    ['English out of office', { Subject: 'Out of Office: Issue 7' }, 'I am out of the office until Monday with limited access to email.'],
    ['German', { Subject: 'Abwesenheitsnotiz: Issue 7' }, 'Ich bin bis zum 3. Januar nicht im Büro.'],
    ['French', { Subject: 'Réponse automatique : Issue 7' }, "Je suis absent jusqu'au 3 janvier."],
    ['Spanish', { Subject: 'Respuesta automática: Issue 7' }, 'Estoy fuera de la oficina.'],
    ['Italian', { Subject: 'Risposta automatica: Issue 7' }, "Sono fuori sede fino al 3 gennaio."],
    ['Dutch', { Subject: 'Automatisch antwoord: Issue 7' }, 'Ik ben afwezig tot 3 januari.'],
    ['Japanese', { Subject: '=?UTF-8?B?6Ieq5YuV5b+c562UOiBJc3N1ZSA3?=' }, '不在にしております。'],
    ['X-Autoreply header', { Subject: 'Re: Issue 7', 'X-Autoreply': 'yes' }, 'Your message was received but could not be delivered to me personally until I return.'],
    ['Precedence auto_reply', { Subject: 'Re: Issue 7', Precedence: 'auto_reply' }, 'Away.'],
    ['vacation with failure words', { Subject: 'Vacation reply', 'Auto-Submitted': 'auto-replied' }, 'Your mail could not be delivered to me before the 10th: I am on vacation.'],
    ['challenge-response', { Subject: 'Please confirm your message' }, 'I use a challenge-response system against spam. To complete delivery of your message, click the link below and confirm.'],
  ];
  for (const [name, headers, body] of cases) {
    test(name, () => {
      const c = classify(human(headers, body));
      expect(c.kind).toBe('autoreply');
      expect(c.recipients).toEqual([]);
    });
  }
});

describe('human mail and list traffic are "other"', () => {
  test('a reply from a member', () => {
    expect(classify(human({ Subject: 'Re: Issue 7' }, 'Thanks, the article about delivery failures was great.')).kind).toBe('other');
  });
  test('a list post that landed in the bounce box', () => {
    const c = classify(
      human(
        { 'List-Id': '<news.lists.example.test>', 'List-Unsubscribe': '<mailto:news-leave@lists.example.test>', Subject: '[news] Delivery of the printed issue' },
        'The printed issue could not be delivered on time; the post office says next week.',
      ),
    );
    expect(c.kind).toBe('other');
  });
  test('a member\'s list post about undeliverable mail', () => {
    const c = classify(
      human(
        { 'List-Id': '<news.lists.example.test>', 'List-Post': '<mailto:news@lists.example.test>', Subject: '[news] Undeliverable mail to our office' },
        'Since Monday mail to sales@example.org could not be delivered: the server says user unknown. Anyone else?',
      ),
    );
    expect(c.kind).toBe('other');
  });
  test('a forwarded question that quotes an address', () => {
    const c = classify(human({ Subject: 'Fwd: my friend' }, 'Could you add bob@example.org to the list? He says he never got issue 7.'));
    expect(c.kind).toBe('other');
  });
  test('a member\'s mail about the mail systems the formats know', () => {
    const c = classify(
      human(
        { Subject: 'Our move to Office 365' },
        'We moved from Microsoft Exchange to Office 365 and send our newsletters through Amazon SES now. Delivery has failed to these recipients or groups only in tests.',
      ),
    );
    expect(c.kind).toBe('other');
  });
  test('spam', () => {
    expect(classify(human({ From: 'Winner <promo@spam.example>', Subject: 'You won a gift card' }, 'Click here to claim your prize!!!')).kind).toBe('other');
  });
});
