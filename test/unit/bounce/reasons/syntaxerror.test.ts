import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('syntaxerror', () => {
  reasonTable('syntaxerror', [
    [null, '501 Syntax error in parameters or arguments'],
    [null, '503 5.5.1 Bad sequence of commands'],
    ['5.5.2', '500 5.5.2 Unrecognized command'],
  ]);
});
