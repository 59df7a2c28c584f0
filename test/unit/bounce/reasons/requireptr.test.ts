import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('requireptr', () => {
  reasonTable('requireptr', [
    ['5.7.25', '550-5.7.25 The IP address sending this message does not have a PTR record setup'],
    [null, '450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]'.replace('450 4.7.1', '550 5.7.1')],
    [null, '550 5.7.1 Access denied. IP name lookup failed [192.0.2.1]'],
    [null, '554-No SMTP service 554-Bad DNS PTR resource record.'],
  ]);
});
