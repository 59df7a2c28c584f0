import { describe } from 'vitest';
import { formatTable, reportNotice } from './table.js';

describe('messagingserver', () => {
  formatTable('messagingserver', [
    {
      name: 'Oracle Communications Messaging Server',
      message: reportNotice({
        from: 'postmaster@mx.example.net',
        subject: 'Delivery Notification: Delivery has failed',
        text: `This report relates to a message you sent with the following header fields:

  Message-id: <post-7.ann@lists.example.test>
  Subject: Issue 7

Your message cannot be delivered to the following recipients:

  Recipient address: ann@example.org
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.1.1 <ann@example.org>... User unknown
  Remote system: dns;mx.example.org (TCP|192.0.2.5|41723|192.0.2.7|25)`,
        status: `Reporting-MTA: dns;mx.example.net

Original-recipient: rfc822;ann@example.org
Final-recipient: rfc822;ann@example.org
Action: failed
Status: 5.1.1 (Remote SMTP server has rejected address)
Remote-MTA: dns;mx.example.org
Diagnostic-code: smtp;550 5.1.1 <ann@example.org>... User unknown`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
  ]);
});
