import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

const failure = (addresses: string, body: string) =>
  textNotice({
    subject: 'Mail delivery failed: returning message to sender',
    headers: { 'X-Failed-Recipients': addresses, 'Auto-Submitted': 'auto-replied' },
    body: `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

${body}

------ This is a copy of the message, including all the headers. ------
From: News <news@lists.example.test>
To: ann@example.org
Subject: Issue 7
`,
  });

describe('exim', () => {
  formatTable('exim', [
    {
      name: 'two refusals at RCPT',
      message: failure(
        'ann@example.org, bob@example.org',
        `  ann@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<ann@example.org>:
    550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown
  bob@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<bob@example.org>:
    552 5.2.2 <bob@example.org>: Mailbox full`,
      ),
      kind: 'bounce',
      recipients: [
        ['ann@example.org', 'userunknown', 'hard'],
        ['bob@example.org', 'mailboxfull', 'soft'],
      ],
    },
    {
      name: 'the retry limit reached after 4xx replies: a final failure, soft',
      message: failure(
        'cid@example.org',
        `  cid@example.org
    retry time not reached for any host after a long failure period`,
      ),
      kind: 'bounce',
      recipients: [['cid@example.org', 'expired', 'soft']],
    },
    {
      name: 'a refusal at MAIL FROM is a refusal of the sender',
      message: failure(
        'dan@example.org',
        `  dan@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after MAIL FROM:<news-bounces@lists.example.test> SIZE=1543:
    550 5.7.1 Sender rejected`,
      ),
      kind: 'bounce',
      recipients: [['dan@example.org', 'rejected', 'blocked']],
    },
    {
      name: 'the "message delayed 24 hours" warning is a delay',
      message: textNotice({
        subject: 'Warning: message 1xXwoG-0000T1-3C delayed 24 hours',
        body: `This message was created automatically by mail delivery software.

A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mail.lists.example.test.

The message identifier is:     1xXwoG-0000T1-3C
The subject of the message is: Issue 7

The address to which the message has not yet been delivered is:

  eve@example.org
    host mx.example.org [192.0.2.7]
    Delay reason: SMTP error from remote mail server after RCPT TO:<eve@example.org>:
    451 4.7.1 Greylisted, please try again later

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered. Eventually the mail delivery software will give up,
and when that happens, the message will be returned to you.`,
      }),
      kind: 'delay',
      recipients: [['eve@example.org', null, 'soft']],
    },
  ]);
});
