import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('norelaying', () => {
  reasonTable('norelaying', [
    ['5.7.1', '554 5.7.1 <ann@example.org>: Relay access denied'],
    [null, '550 5.7.1 Unable to relay'],
    [null, 'Sorry, that domain isn\'t in my list of allowed rcpthosts. (#5.7.1)'],
    [null, '550 Relaying denied'],
  ]);
});
