import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('badreputation', () => {
  reasonTable('badreputation', [
    [null, '550 5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address.'],
    [null, '550 SC-001 Mail rejected by Outlook.com for policy reasons.'],
    [null, '554 IP/domain reputation problems'],
  ]);
});
