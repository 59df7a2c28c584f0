import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('dragonfly', () => {
  formatTable('dragonfly', [
    {
      name: 'DragonFly Mail Agent: "did not like our RCPT TO"',
      message: textNotice({
        from: 'MAILER-DAEMON <>',
        subject: 'Mail delivery failed',
        body: `This is the DragonFly Mail Agent v0.13 at mx.example.net.

There was an error delivering your mail to <ann@example.org>.

mx.example.org [192.0.2.7] did not like our RCPT TO:
550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown in local recipient table

Original message follows.`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
  ]);
});
