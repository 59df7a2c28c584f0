import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('hmailserver', () => {
  formatTable('hmailserver', [
    {
      name: 'hMailServer: "hMailServer sent: RCPT TO" and the reply',
      message: textNotice({
        from: 'mailermasterdaemon@mx.example.net',
        subject: 'Message undeliverable: Issue 7',
        body: `Your message did not reach some or all of the intended recipients.

   Sent: Mon, 2 Nov 2026 10:00:00 +0100
   Subject: Issue 7

The following recipient(s) could not be reached:

ann@example.org
   Error Type: SMTP
   Remote server (192.0.2.7) issued an error.
   hMailServer sent: RCPT TO:<ann@example.org>
   Remote server replied: 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
  ]);
});
