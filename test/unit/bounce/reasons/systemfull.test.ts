import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('systemfull', () => {
  reasonTable('systemfull', [
    ['5.3.1', '552 5.3.1 Mail system full'],
    [null, '552 Requested action not taken: insufficient system storage'],
    [null, 'write error: No space left on device'],
  ]);
});
