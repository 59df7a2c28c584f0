import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('mailmarshal', () => {
  formatTable('mailmarshal', [
    {
      name: 'MailMarshal SMTP',
      message: textNotice({
        from: 'postmaster@mx.example.com',
        subject: 'Undeliverable Mail: "Issue 7"',
        body: `Your message:

   From:    news@lists.example.test
   Subject: Issue 7

Could not be delivered because of

552 5.2.2 Mailbox full

The following recipients were affected:
    ann@example.com

Additional Information
======================
Remote-MTA:         <192.0.2.7>`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.com', 'mailboxfull', 'soft']],
    },
  ]);
});
