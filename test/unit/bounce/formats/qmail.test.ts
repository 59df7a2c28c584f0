import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

const qmail = (body: string) =>
  textNotice({
    from: 'MAILER-DAEMON@mx.example.net',
    subject: 'failure notice',
    body: `Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

${body}

--- Below this line is a copy of the message.

From: News <news@lists.example.test>
To: ann@example.org`,
  });

describe('qmail', () => {
  formatTable('qmail', [
    {
      name: 'a local mailbox that does not exist',
      message: qmail(`<ann@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)`),
      kind: 'bounce',
      recipients: [['ann@example.net', 'userunknown', 'hard']],
    },
    {
      name: 'a remote refusal of the recipient, and a refusal of the sender',
      message: qmail(`<bob@example.org>:
192.0.2.7 does not like recipient.
Remote host said: 550 5.2.2 <bob@example.org>: Mailbox is full
Giving up on 192.0.2.7.

<cid@example.org>:
Connected to 192.0.2.8 but sender was rejected.
Remote host said: 553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)`),
      kind: 'bounce',
      recipients: [
        ['bob@example.org', 'mailboxfull', 'soft'],
        ['cid@example.org', 'rejected', 'blocked'],
      ],
    },
    {
      name: 'a domain with no mail host',
      message: qmail(`<dan@example.invalid>:
Sorry, I couldn't find any host named example.invalid. (#5.1.2)`),
      kind: 'bounce',
      recipients: [['dan@example.invalid', 'hostunknown', 'hard']],
    },
  ]);
});
