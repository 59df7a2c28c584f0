import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('rejected', () => {
  reasonTable('rejected', [
    ['5.1.8', '553 5.1.8 <news@lists.example.test>: Sender address rejected: Domain not found'],
    [null, '550 Sender verify failed'],
    [null, 'Connected to 192.0.2.7 but sender was rejected. Remote host said: 553 sorry, your envelope sender is in my badmailfrom list'],
    [null, '501 5.1.0 Emetteur invalide. Invalid Sender. OFR004_405 [405] (in reply to MAIL FROM command)'],
    // A refusal at MAIL FROM is about the sender, whatever it says (RFC 5321 §3.3).
    ['5.0.0', '550 Rejected (in reply to MAIL FROM command)'],
    [null, '550 5.1.8 Access denied, bad outbound sender'],
  ]);
});
