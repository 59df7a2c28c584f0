import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('exchange2003', () => {
  formatTable('exchange2003', [
    {
      name: '"did not reach the following recipient(s)"',
      message: textNotice({
        from: 'System Administrator <postmaster@corp.example.org>',
        subject: 'Undeliverable: Issue 7',
        body: `Your message

  To:      news@lists.example.test
  Subject: Issue 7
  Sent:    Mon, 2 Nov 2026 10:00:00 +0100

did not reach the following recipient(s):

ann@corp.example.org on Mon, 2 Nov 2026 10:00:05 +0100
    The e-mail account does not exist at the organization this message was sent to.
    <ex1.corp.example.org #5.1.1 smtp;550 5.1.1 User unknown>`,
      }),
      kind: 'bounce',
      recipients: [['ann@corp.example.org', 'userunknown', 'hard']],
    },
  ]);
});
