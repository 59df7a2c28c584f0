import { describe } from 'vitest';
import { formatTable, textNotice } from './table.js';

describe('verizon', () => {
  formatTable('verizon', [
    {
      name: 'vtext.com: "Error message below" and the message details',
      message: textNotice({
        from: 'post_master@vtext.example',
        subject: 'Re: Issue 7',
        body: `Error: Invalid user address
Error message below:
550 - Requested action not taken: no such user here

Message details:
  Subject: Issue 7
  MAIL FROM: news-bounces@lists.example.test
  RCPT TO: 5550100@vtext.example`,
      }),
      kind: 'bounce',
      recipients: [['5550100@vtext.example', 'userunknown', 'hard']],
    },
  ]);
});
