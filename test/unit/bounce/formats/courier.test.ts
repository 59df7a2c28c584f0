import { describe } from 'vitest';
import { formatTable, reportNotice } from './table.js';

describe('courier', () => {
  formatTable('courier', [
    {
      name: 'undeliverable mail with the SMTP dialogue',
      message: reportNotice({
        from: 'postmaster@mx.example.net',
        subject: 'NOTICE: mail delivery status.',
        text: `This is a delivery status notification from mx.example.net,
running the Courier mail server, version 1.1.

The original message was received on Mon, 2 Nov 2026 10:00:00 +0000
from relay.lists.example.test [192.0.2.5]

---------------------------------------------------------------------------

                           UNDELIVERABLE MAIL

Your message to the following recipients cannot be delivered:

<ann@example.org>:
    mx.example.org [192.0.2.7]:
>>> RCPT TO:<ann@example.org>
<<< 550 5.1.1 <ann@example.org>: No such user

---------------------------------------------------------------------------`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; ann@example.org
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: No such user`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
  ]);
});
