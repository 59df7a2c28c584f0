import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('toomanyconn', () => {
  reasonTable('toomanyconn', [
    [null, '554 5.7.1 Too many connections from your host'],
    [null, '552 Too many recipients'],
    [null, '550 Ip frequency limited [Blocked IP 192.0.2.1]'],
    ['5.5.3', '550 5.5.3 Too many recipients'],
  ]);
});
