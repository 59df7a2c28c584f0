import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('mesgtoobig', () => {
  reasonTable('mesgtoobig', [
    ['5.3.4', '552 5.3.4 Error: message file too big'],
    [null, '552 5.3.4 Message size exceeds fixed limit'],
    [null, '552-5.3.4 Your message exceeded Google\'s message size limits.'],
    [null, 'Mail size limit exceeded. For explanation visit http://postmaster.1and1.com/en/error-messages'],
    [null, '554 5.3.4 Message too big for system'],
  ]);
});
