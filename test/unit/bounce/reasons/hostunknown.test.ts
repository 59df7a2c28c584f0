import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('hostunknown', () => {
  reasonTable('hostunknown', [
    ['5.1.2', 'Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found'],
    [null, '550 Host unknown (Name server: example.invalid: host not found)'],
    [null, 'Sorry, I couldn\'t find any host named example.invalid. (#5.1.2)'],
    [null, 'Unrouteable address'],
    [null, 'all relevant MX records point to non-existent hosts'],
    ['5.4.4', '550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain'],
    [null, 'DNS lookup failure: host mx.example.invalid not found'],
  ]);
});
