import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('interscanmss', () => {
  formatTable('interscanmss', [
    {
      name: 'InterScan Messaging Security Suite',
      message: textNotice({
        from: 'postmaster@mx.example.jp ("InterScan Notification")',
        subject: 'Mail could not be delivered',
        body: `*************************************************************
Message from InterScan Messaging Security Suite
*************************************************************

Unable to deliver message to <ann@example.jp> (and other recipients in the same domain).

Remote host said: 550 5.1.1 <ann@example.jp>... User unknown`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.jp', 'userunknown', 'hard']],
    },
  ]);
});
