import { describe } from 'vitest';
import { formatTable, reportNotice } from './table.js';

describe('barracuda', () => {
  formatTable('barracuda', [
    {
      name: 'blocked by the Spam Firewall',
      message: reportNotice({
        from: 'MAILER-DAEMON <>',
        subject: '**Message you sent blocked by our bulk email filter**',
        text: `Your message to: ann@example.org
was blocked by our Spam Firewall. The email you sent with the following subject has NOT BEEN DELIVERED:

Subject: Issue 7`,
        status: `Reporting-MTA: dns; barracuda.example.org

Final-Recipient: rfc822;ann@example.org
Action: failed
Status: 5.0.0 (permanent failure)
Diagnostic-Code: smtp; 5.7.1 [BARRACUDA.SPAM] Message blocked by spam filter (in reply to end of DATA command)`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'spamdetected', 'blocked']],
    },
  ]);
});
