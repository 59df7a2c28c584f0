import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('generic', () => {
  formatTable('generic', [
    {
      name: 'an unknown system\'s notice: the addresses after "the following recipients"',
      message: textNotice({
        from: 'Mail Administrator <postmaster@mail.example.net>',
        subject: 'Undeliverable message',
        body: `Your message could not be delivered to the following recipients:

ann@example.net: mailbox unavailable, user does not exist

For further assistance contact help@mail.example.net.`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.net', 'userunknown', 'hard']],
    },
    {
      name: 'a warning that delivery goes on is a delay',
      message: textNotice({
        from: 'MAILER-DAEMON@mail.example.net',
        subject: 'Warning: message has not yet been delivered',
        body: `This is an automated message created by the mail system.

Your message to:

	bob@example.net

has not yet been delivered because the recipient server did not respond.
This is just a warning, you do not need to take any action. We will continue to attempt delivery for 5 days.`,
      }),
      kind: 'delay',
      recipients: [['bob@example.net', null, 'soft']],
    },
    {
      name: 'the final notice after the warnings is a failure',
      message: textNotice({
        from: 'MAILER-DAEMON@mail.example.net',
        subject: 'Undelivered mail',
        body: `Your message to:

	cid@example.net

could not be delivered for 5 days: the recipient server did not respond. We have given up.`,
      }),
      kind: 'bounce',
      recipients: [['cid@example.net', 'expired', 'soft']],
    },
    {
      name: 'a failure notice that names no readable address is still a bounce (the VERP address names the member)',
      message: textNotice({
        from: 'MAILER-DAEMON@mail.example.net',
        subject: 'Returned mail: see transcript for details',
        body: `<<< No Message Collected >>>`,
      }),
      kind: 'bounce',
      recipients: [],
    },
  ]);
});
