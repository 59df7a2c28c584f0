import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('groupwise', () => {
  formatTable('groupwise', [
    {
      name: 'GroupWise: "address (reason)"',
      message: textNotice({
        from: 'Mailer-Daemon@gw.example.net',
        subject: 'Message status - undeliverable',
        body: `The message that you sent was undeliverable to the following:
	ann@example.net (user not found)

Possible causes:`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.net', 'userunknown', 'hard']],
    },
  ]);
});
