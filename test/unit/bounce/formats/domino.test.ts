import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('domino', () => {
  formatTable('domino', [
    {
      name: 'Domino: "was not delivered to … because …"',
      message: textNotice({
        from: 'Postmaster@corp.example.org',
        subject: 'DELIVERY FAILURE: User Ann Smith (ann@corp.example.org) not listed in Domino Directory',
        body: `Your message

  Subject: Issue 7

was not delivered to:

  ann@corp.example.org

because:

  User Ann Smith (ann@corp.example.org) not listed in Domino Directory`,
      }),
      kind: 'bounce',
      recipients: [['ann@corp.example.org', 'userunknown', 'hard']],
    },
    {
      name: 'Notes: "------- Failure Reasons --------"',
      message: textNotice({
        from: 'POSTMASTER@gw.corp.example.org',
        subject: 'Undeliverable message',
        body: `------- Failure Reasons  --------

User not listed in public Name & Address Book
bob@corp.example.org


------- Returned Message --------`,
      }),
      kind: 'bounce',
      recipients: [['bob@corp.example.org', 'userunknown', 'hard']],
    },
  ]);
});
