import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('notcompliantrfc', () => {
  reasonTable('notcompliantrfc', [
    [null, '550-5.7.1 This message is not RFC 5322 compliant because it has duplicate headers.'],
    [null, '550-5.7.1 Messages with multiple addresses in From: header are not accepted.'],
    [null, '550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant'],
    [null, '554 Transaction failed: Duplicate header \'DKIM-Signature\'.'],
  ]);
});
