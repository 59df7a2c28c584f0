import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('filtered', () => {
  reasonTable('filtered', [
    [null, '550 5.7.1 Message rejected due to user rules'],
    [null, '554 The recipient is only accepting mail from specific email addresses'],
    ['5.2.0', '550 5.2.0 refused due to recipient preferences'],
    // An unknown-user refusal answered to DATA: a filter that read the message (reasons/index.ts).
    ['5.0.0', '550 User unknown (in reply to end of DATA command)'],
    [null, '550 Mail is rejected by recipients'],
  ]);
});
