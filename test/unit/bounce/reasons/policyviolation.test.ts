import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('policyviolation', () => {
  reasonTable('policyviolation', [
    [null, '552-5.7.0 This message was blocked because its content presents a potential security issue.'],
    [null, '554 Message not allowed - [PH01] Email not accepted for policy reasons.'],
    [null, '550 5.7.1 [CS01] Message rejected due to local policy.'],
    [null, '550 Protocol violation'],
  ]);
});
