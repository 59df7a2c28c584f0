import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('networkerror', () => {
  reasonTable('networkerror', [
    ['5.4.6', '554 5.4.6 Too many hops'],
    [null, 'Host not found, try again'],
    [null, 'Sorry, I wasn\'t able to establish an SMTP connection.'],
    [null, 'connect to mx.example.org[192.0.2.7]:25: No route to host'],
    [null, '550 5.4.312 DNS query failed'],
  ]);
});
