import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('exceedlimit', () => {
  reasonTable('exceedlimit', [
    ['5.2.3', '552 5.2.3 Message length exceeds administrative limit'],
    [null, '552 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient'],
  ]);
});
