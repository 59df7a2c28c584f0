import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('yahoo', () => {
  formatTable('yahoo', [
    {
      name: '"Sorry, we were unable to deliver your message"',
      message: textNotice({
        from: 'MAILER-DAEMON@yahoo.example',
        subject: 'Failure Notice',
        body: `Sorry, we were unable to deliver your message to the following address.

<ann@example.org>:
Remote host said: 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown [RCPT_TO]

--- Below this line is a copy of the message.`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
    {
      name: '"Message from yahoo.com. Unable to deliver message to the following address(es)."',
      message: textNotice({
        from: 'MAILER-DAEMON@yahoo.example',
        subject: 'Delivery failure',
        body: `Message from yahoo.example.
Unable to deliver message to the following address(es).

<bob@yahoo.example>:
This user doesn't have a yahoo.example account (bob@yahoo.example) [0]`,
      }),
      kind: 'bounce',
      recipients: [['bob@yahoo.example', 'userunknown', 'hard']],
    },
  ]);
});
