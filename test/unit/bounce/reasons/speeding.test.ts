import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('speeding', () => {
  reasonTable('speeding', [
    [null, '550 5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.'],
    [null, '550 5.4.5 Daily sending quota exceeded'],
    [null, '550 Mailbox unavailable or access denied [IP: 192.0.2.1]. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725'],
    [null, '550 Too many messages from IP 192.0.2.1, try later'],
  ]);
});
