import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('suspend', () => {
  reasonTable('suspend', [
    [null, '550 5.2.1 The email account that you tried to reach is disabled.'],
    [null, '550 5.2.1 The email account that you tried to reach is inactive.'],
    [null, 'Sorry, your message to ann@aol.example cannot be delivered. This account has been disabled or discontinued [#102].'],
    [null, '554 30 Sorry, your message to ann@aol.example cannot be delivered. This mailbox is disabled (554.30)'],
    ['5.7.13', '525 5.7.13 <ann@example.org>: Recipient address rejected: Disabled recipient address'],
    [null, '550 5.5.0 Boite du destinataire archivee. Archived recipient. LPN007_420'],
  ]);
});
