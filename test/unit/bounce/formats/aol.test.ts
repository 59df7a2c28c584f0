import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('aol', () => {
  formatTable('aol', [
    {
      name: 'screen names only: the domain is the notifying system\'s',
      message: textNotice({
        from: '"Mail Delivery Subsystem" <MAILER-DAEMON@aol.example>',
        subject: 'Mail Delivery Problem',
        body: `Your mail to the following recipients could not be delivered because they are not accepting mail from news@lists.example.test:
	annsmith`,
      }),
      kind: 'bounce',
      recipients: [['annsmith@aol.example', null, 'hard']],
    },
  ]);
});
