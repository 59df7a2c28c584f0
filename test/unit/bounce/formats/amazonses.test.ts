import { describe } from 'vitest';
import { mail } from '../messages.js';
import { formatTable, reportNotice } from './table.js';

const sns = (bounce: object) =>
  mail(
    { From: 'AWS Notifications <no-reply@sns.amazonaws.example>', To: 'ops@lists.example.test', Subject: 'AWS Notification Message' },
    JSON.stringify({ notificationType: 'Bounce', bounce, mail: { source: 'news@lists.example.test' } }),
  );

describe('amazonses', () => {
  formatTable('amazonses', [
    {
      name: 'SNS JSON: a permanent bounce with the remote status',
      message: sns({ bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'ann@example.org', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
    {
      name: 'SNS JSON: SES\'s suppression list (bounce sub-type)',
      message: sns({ bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList', bouncedRecipients: [{ emailAddress: 'bob@example.org' }] }),
      kind: 'bounce',
      recipients: [['bob@example.org', 'suppressed', 'hard']],
    },
    {
      name: 'the SES mail DSN quotes the remote reply behind its own status',
      message: reportNotice({
        from: 'MAILER-DAEMON@email-bounces.amazonses.com',
        subject: 'Delivery Status Notification (Failure)',
        text: `An error occurred while trying to deliver the mail to the following recipients:
cid@example.org`,
        status: `Reporting-MTA: dns; a1-2.smtp-out.amazonses.com

Action: failed
Final-Recipient: rfc822; cid@example.org
Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.7.1 <cid@example.org>: Relay access denied' (delivery attempts: 0)
Status: 5.7.1`,
      }),
      kind: 'bounce',
      recipients: [['cid@example.org', 'norelaying', 'blocked']],
    },
  ]);
});
