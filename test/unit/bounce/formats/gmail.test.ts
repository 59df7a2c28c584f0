import { describe } from 'vitest';
import { formatTable, reportNotice, textNotice } from './table.js';

describe('gmail', () => {
  formatTable('gmail', [
    {
      name: 'the text notice: failed permanently',
      message: textNotice({
        from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        subject: 'Delivery Status Notification (Failure)',
        body: `Delivery to the following recipient failed permanently:

     ann@example.org

Technical details of permanent failure:
Google tried to deliver your message, but it was rejected by the server for the recipient domain example.org by mx.example.org. [192.0.2.7].

The error that the other server returned was:
550 5.2.1 The email account that you tried to reach is disabled.`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'suspend', 'soft']],
    },
    {
      name: 'the text notice: delayed, will be retried',
      message: textNotice({
        from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        subject: 'Delivery Status Notification (Delay)',
        body: `This is an automatically generated Delivery Status Notification

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipient has been delayed:

     bob@example.org

Message will be retried for 2 more day(s)

Technical details of temporary failure:
The recipient server did not accept our requests to connect.`,
      }),
      kind: 'delay',
      recipients: [['bob@example.org', null, 'soft']],
    },
    {
      name: 'the report: "Address not found" with Gmail\'s generic 5.0.0',
      message: reportNotice({
        from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        subject: 'Delivery Status Notification (Failure)',
        text: `** Address not found **

Your message wasn't delivered to cid@example.org because the address couldn't be found, or is unable to receive mail.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.`,
        status: `Reporting-MTA: dns; googlemail.com

Final-Recipient: rfc822; cid@example.org
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; The email account that you tried to reach does not exist.`,
      }),
      kind: 'bounce',
      recipients: [['cid@example.org', 'userunknown', 'hard']],
    },
  ]);
});
