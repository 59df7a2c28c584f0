import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('suppressed', () => {
  reasonTable('suppressed', [
    [null, 'Amazon SES did not send the message to this address because it is on the suppression list for your account.'],
    [null, 'The address is on the account-level suppression list (OnAccountSuppressionList)'],
  ]);
});
