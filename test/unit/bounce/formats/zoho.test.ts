import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('zoho', () => {
  formatTable('zoho', [
    {
      name: 'Zoho Mail: one line per recipient with ERROR_CODE',
      message: textNotice({
        from: 'mailer-daemon@mail.zoho.example',
        subject: 'Undelivered Mail Returned to Sender',
        body: `This message was created automatically by mail delivery software.
A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.

ann@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <ann@example.org>... User Unknown

Received:from mail.zoho.example by mx.zohomail.example`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
  ]);
});
