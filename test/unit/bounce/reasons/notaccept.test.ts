import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('notaccept', () => {
  reasonTable('notaccept', [
    ['5.1.10', '556 5.1.10 Recipient address has null MX'],
    [null, '550 5.7.27 Host does not accept mail'],
    [null, 'an MX or SRV record indicated no SMTP service'],
    [null, 'Sorry, I couldn\'t find a mail exchanger or IP address. (#5.4.4)'],
    [null, '521 5.3.2 mx.example.org does not accept mail'],
  ]);
});
