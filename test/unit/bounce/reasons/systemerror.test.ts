import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('systemerror', () => {
  reasonTable('systemerror', [
    ['5.3.0', '554 5.3.0 Local configuration error'],
    [null, 'mail for example.org loops back to myself'],
    [null, '451 4.3.0 Error: queue file write error'],
    [null, 'Unable to contact LDAP server. (#4.4.3)'],
    ['5.4.3', '550 5.4.3 Directory server failure'],
  ]);
});
