import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('imailserver', () => {
  formatTable('imailserver', [
    {
      name: 'IMail: "<reason>: <address>" lines',
      message: textNotice({
        from: '"Postmaster" <postmaster@example.org>',
        subject: 'Undeliverable Mail',
        body: `Unknown user: ann@example.org

Delivery failed 20 attempts: bob@example.net

Original message follows.`,
      }),
      kind: 'bounce',
      recipients: [
        ['ann@example.org', 'userunknown', 'hard'],
        ['bob@example.net', 'expired', 'soft'],
      ],
    },
  ]);
});
