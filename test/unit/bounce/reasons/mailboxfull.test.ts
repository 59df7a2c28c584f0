import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('mailboxfull', () => {
  reasonTable('mailboxfull', [
    ['5.2.2', '552 5.2.2 <ann@example.org>: Recipient address rejected: Mailbox full'],
    [null, '552-5.2.2 The email account that you tried to reach is over quota and inactive.'],
    [null, 'mailbox is full: retry timeout exceeded'],
    [null, '550 5.2.2 <ann@icloud.example>: user is over quota'],
    [null, '/var/mail/ann: Disk quota exceeded'],
    [null, '552 5.1.1 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]'],
    [null, '552 Requested mail action aborted: exceeded storage allocation'],
  ]);
});
