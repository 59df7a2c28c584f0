import { describe } from 'vitest';
import { formatTable, reportNotice, textNotice } from './table.js';

const intro = `This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system
`;

describe('postfix', () => {
  formatTable('postfix', [
    {
      name: 'a remote refusal at RCPT, with its report',
      message: reportNotice({
        subject: 'Undelivered Mail Returned to Sender',
        text: `${intro}
<ann@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1
    <ann@example.org>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)`,
        status: `Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 3F2A8C0123

Final-Recipient: rfc822; ann@example.org
Original-Recipient: rfc822;ann@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected:
    User unknown in virtual mailbox table`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
    {
      name: 'a content refusal after DATA with a generic status reads the command from the text part',
      message: reportNotice({
        subject: 'Undelivered Mail Returned to Sender',
        text: `${intro}
<bob@example.org>: host mx.example.org[192.0.2.7] said: 550 User unknown (in
    reply to end of DATA command)`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; bob@example.org
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 User unknown`,
      }),
      kind: 'bounce',
      recipients: [['bob@example.org', 'filtered', 'soft']],
    },
    {
      name: 'a delay warning ("Delayed Mail (still being retried)") is a delay',
      message: reportNotice({
        subject: 'Delayed Mail (still being retried)',
        text: `This is the mail system at host mx.example.net.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

<cid@example.org>: host mx.example.org[192.0.2.7] said: 452 4.2.2 Mailbox full
    (in reply to RCPT TO command)`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; cid@example.org
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full
Will-Retry-Until: Sat, 7 Nov 2026 10:00:00 +0000 (UTC)`,
      }),
      kind: 'delay',
      recipients: [['cid@example.org', 'mailboxfull', 'soft']],
    },
    {
      name: 'the queue lifetime ran out: a 4.x.x final failure is soft',
      message: reportNotice({
        subject: 'Undelivered Mail Returned to Sender',
        text: `${intro}
<dan@example.org>: connect to mx.example.org[192.0.2.7]:25: Connection timed out`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; dan@example.org
Action: failed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.7]:25: Connection
    timed out`,
      }),
      kind: 'bounce',
      recipients: [['dan@example.org', 'expired', 'soft']],
    },
    {
      name: 'Postfix before 2.3: text only, "(expanded from …)"',
      message: textNotice({
        subject: 'Undelivered Mail Returned to Sender',
        body: `This is the Postfix program at host mx.example.net.

I'm sorry to have to inform you that the message returned
below could not be delivered to one or more destinations.

<eve@example.org> (expanded from <staff@example.net>): host
    mx.example.org[192.0.2.7] said: 554 5.7.1 Service unavailable; Client host
    [192.0.2.1] blocked using zen.spamhaus.org (in reply to RCPT TO command)`,
      }),
      kind: 'bounce',
      recipients: [['eve@example.org', 'blocked', 'blocked']],
    },
  ]);
});
