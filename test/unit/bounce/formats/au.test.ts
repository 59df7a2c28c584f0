import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('au', () => {
  formatTable('au', [
    {
      name: 'au by KDDI: each recipient rejected by a remote mail server',
      message: textNotice({
        from: 'Postmaster@ezweb.ne.jp',
        subject: 'Mail System Error - Returned Mail',
        body: `Each of the following recipients was rejected by a remote
mail server.

    Recipient: <ann@ezweb.ne.jp>
    >>> RCPT TO:<ann@ezweb.ne.jp>
    <<< 550 <ann@ezweb.ne.jp>: User unknown`,
      }),
      kind: 'bounce',
      recipients: [['ann@ezweb.ne.jp', 'userunknown', 'hard']],
    },
  ]);
});
