import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('userunknown', () => {
  reasonTable('userunknown', [
    ['5.1.1', '550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown in local recipient table'],
    [null, '550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient\'s email address'],
    // Gmail's text with the generic status Gmail puts in its own DSN (the known bug of issue 13).
    ['5.0.0', '550-5.1.1 The email account that you tried to reach does not exist.'],
    ['5.0.0', '550 User unknown'],
    ['5.1.0', '550 5.1.0 Address rejected ann@example.org'],
    ['5.2.1', '550 5.2.1 <ann@example.org>... User Unknown'],
    [null, 'Sorry, no mailbox here by that name. (#5.1.1)'],
    [null, '554 delivery error: dd This user doesn\'t have a yahoo.com account (ann@yahoo.com) [0]'],
    ['5.1.10', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'],
    [null, 'User Ann Smith (ann@example.org) not listed in Domino Directory'],
    [null, 'The recipient name is not recognized'],
    [null, '550 5.5.0 Requested action not taken: mailbox unavailable'],
    [null, '550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]'],
    [null, 'Invalid final delivery userid: ann@example.org'],
    [null, '550 5.1.1 <ann@example.org> Not our Customer'],
  ]);
});
