import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('failedstarttls', () => {
  reasonTable('failedstarttls', [
    [null, '530 5.7.0 Must issue a STARTTLS command first.'],
    ['5.7.10', '523 5.7.10 Encryption Needed'],
    [null, 'TLS is required, but was not offered by host mx.example.org[192.0.2.7]'],
    [null, '550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.'],
  ]);
});
