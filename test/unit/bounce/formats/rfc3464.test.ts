import { describe } from 'vitest';
import { formatTable, reportNotice } from './table.js';

describe('rfc3464', () => {
  formatTable('rfc3464', [
    {
      name: 'any report: failed, delivered and delayed recipients',
      message: reportNotice({
        from: 'postmaster@mx.example.net',
        subject: 'Delivery Status Notification (Failure)',
        text: 'This is an automatically generated Delivery Status Notification.',
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; ann@example.org
Action: failed
Status: 5.1.1

Final-Recipient: rfc822; bob@example.org
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; cid@example.org
Action: failed
Status: 5.7.1
Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org`,
      }),
      kind: 'bounce',
      recipients: [
        ['ann@example.org', 'userunknown', 'hard'],
        ['cid@example.org', 'blocked', 'blocked'],
      ],
    },
    {
      name: 'every recipient delayed: a delay',
      message: reportNotice({
        from: 'postmaster@mx.example.net',
        subject: 'Delivery Status Notification (Delay)',
        text: 'Delivery to the following recipients has been delayed.',
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; dan@example.org
Action: delayed
Status: 4.4.1`,
      }),
      kind: 'delay',
      recipients: [['dan@example.org', null, 'soft']],
    },
    {
      name: 'only delivered: a success report',
      message: reportNotice({
        from: 'postmaster@mx.example.net',
        subject: 'Delivery Status Notification (Success)',
        text: 'Your message was delivered.',
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; eve@example.org
Action: delivered
Status: 2.0.0`,
      }),
      kind: 'other',
      recipients: [],
    },
  ]);
});
