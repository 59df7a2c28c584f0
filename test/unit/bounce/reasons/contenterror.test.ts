import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('contenterror', () => {
  reasonTable('contenterror', [
    ['5.6.0', '554 5.6.0 Invalid MIME structure'],
    [null, '550 5.6.0 Improper use of 8-bit data in message header'],
    [null, '552 5.3.4 Header size exceeds maximum permitted'.replace('5.3.4 ', '')],
  ]);
});
