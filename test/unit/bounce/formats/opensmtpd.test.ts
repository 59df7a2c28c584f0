import { describe } from 'vitest';
import { formatTable, reportNotice, textNotice } from './table.js';

const smtpd = (subject: string, body: string) =>
  textNotice({
    from: 'Mailer Daemon <MAILER-DAEMON@mx.example.net>',
    subject,
    body: `    Hi!

    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.

${body}

    Below is a copy of the original message:

From: News <news@lists.example.test>`,
  });

describe('opensmtpd', () => {
  formatTable('opensmtpd', [
    {
      name: 'an error for two recipients',
      message: smtpd(
        'Delivery status notification: error',
        `    An error has occurred while attempting to deliver a message for
    the following list of recipients:

ann@example.org: 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown
bob@example.org: 552 5.2.2 <bob@example.org>: Mailbox full`,
      ),
      kind: 'bounce',
      recipients: [
        ['ann@example.org', 'userunknown', 'hard'],
        ['bob@example.org', 'mailboxfull', 'soft'],
      ],
    },
    {
      name: 'a delay warning',
      message: smtpd(
        'Delivery status notification: delayed',
        `    A message is delayed for more than 4 hours for the following
    list of recipients:

cid@example.org: 421 4.7.0 Try again later

    Please note that this is only a temporary failure report.
    The message is kept in the queue for up to 4 days.
    You DO NOT NEED to re-send the message to these recipients.`,
      ),
      kind: 'delay',
      recipients: [['cid@example.org', null, 'soft']],
    },
    {
      name: 'an expired envelope is a final failure',
      message: smtpd(
        'Delivery status notification: error',
        `    An error has occurred while attempting to deliver a message for
    the following list of recipients:

dan@example.org: Envelope expired`,
      ),
      kind: 'bounce',
      recipients: [['dan@example.org', 'expired', 'soft']],
    },
    {
      name: 'OpenSMTPD 6.8 words an expired envelope like a warning (Action: delayed, 4.4.7): it is final',
      message: reportNotice({
        from: 'Mailer Daemon <MAILER-DAEMON@mx.example.net>',
        subject: 'Delivery status notification: delayed',
        text: `    Hi!

    This is the MAILER-DAEMON, please DO NOT REPLY to this email.

    A message is delayed for more than 0 seconds for the following
    list of recipients:

eve@example.org: Envelope expired

    Please note that this is only a temporary failure report.
    The message is kept in the queue for up to 7 days.
    You DO NOT NEED to re-send the message to these recipients.`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; eve@example.org
Action: delayed
Status: 4.4.7`,
      }),
      kind: 'bounce',
      recipients: [['eve@example.org', 'expired', 'soft']],
    },
  ]);
});
