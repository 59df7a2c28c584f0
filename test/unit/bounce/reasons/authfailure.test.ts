import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('authfailure', () => {
  reasonTable('authfailure', [
    ['5.7.26', '550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy.'],
    [null, '550 5.7.23 The message was rejected because of Sender Policy Framework violation'],
    [null, '550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification'],
    [null, '550 SPF check failed: example.com does not designate 192.0.2.1 as permitted sender'],
  ]);
});
