import { describe } from 'vitest';
import { formatTable, reportNotice, textNotice } from './table.js';

describe('sendmail', () => {
  formatTable('sendmail', [
    {
      name: 'permanent fatal errors with a transcript showing the refusal after DATA',
      message: reportNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: see transcript for details',
        text: `The original message was received at Mon, 2 Nov 2026 10:00:00 GMT
from relay.lists.example.test [192.0.2.5]

   ----- The following addresses had permanent fatal errors -----
<ann@example.org>
    (reason: 550 Unknown user ann@example.org)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> DATA
<<< 550 Unknown user ann@example.org
554 5.0.0 Service unavailable`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: RFC822; ann@example.org
Action: failed
Status: 5.2.0
Remote-MTA: DNS; mx.example.org
Diagnostic-Code: SMTP; 550 Unknown user ann@example.org`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'filtered', 'soft']],
    },
    {
      name: 'a refusal at RCPT in the transcript, text only',
      message: textNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: User unknown',
        body: `The original message was received at Mon, 2 Nov 2026 10:00:00 GMT
from relay.lists.example.test [192.0.2.5]

   ----- The following addresses had permanent fatal errors -----
<bob@example.org>

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> RCPT To:<bob@example.org>
<<< 550 5.1.1 <bob@example.org>... User unknown
550 5.1.1 <bob@example.org>... User unknown`,
      }),
      kind: 'bounce',
      recipients: [['bob@example.org', 'userunknown', 'hard']],
    },
    {
      name: '"Warning: could not send message for past 4 hours" is a delay',
      message: reportNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Warning: could not send message for past 4 hours',
        text: `    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

The original message was received at Mon, 2 Nov 2026 10:00:00 GMT

   ----- Transcript of session follows -----
<cid@example.org>... Deferred: Connection timed out with mx.example.org.
Warning: message still undelivered after 4 hours
Will keep trying until message is 5 days old`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: RFC822; cid@example.org
Action: delayed
Status: 4.4.1
Will-Retry-Until: Sat, 7 Nov 2026 10:00:00 GMT`,
      }),
      kind: 'delay',
      recipients: [['cid@example.org', null, 'soft']],
    },
    {
      name: 'Sendmail 5: only the transcript verdicts',
      message: textNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: Host unknown',
        body: `   ----- Transcript of session follows -----
550 example.invalid (smtp)... 550 Host unknown
554 <dan@example.invalid>... 550 Host unknown (Authoritative answer from name server)`,
      }),
      kind: 'bounce',
      recipients: [['dan@example.invalid', 'hostunknown', 'hard']],
    },
    {
      name: 'with PIPELINING the transcript shows ">>> DATA" above the RCPT replies: "503 need RCPT" proves it',
      message: reportNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: see transcript for details',
        text: `The original message was received at Mon, 2 Nov 2026 10:00:00 GMT

   ----- The following addresses had permanent fatal errors -----
<eve@example.org>
    (reason: 550 Message was not accepted -- invalid mailbox. Local mailbox eve@example.org is unavailable: account is disabled)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> DATA
<<< 550 Message was not accepted -- invalid mailbox. Local mailbox eve@example.org is unavailable: account is disabled
550 5.1.1 <eve@example.org>... User unknown
<<< 503 Error: need RCPT command`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: RFC822; eve@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: SMTP; 550 Message was not accepted -- invalid mailbox. Local mailbox eve@example.org is unavailable: account is disabled`,
      }),
      kind: 'bounce',
      // Sendmail's 5.1.1 is its own mapping of a bare 550: the reply's words decide.
      recipients: [['eve@example.org', 'suspend', 'soft']],
    },
    {
      name: 'a greeting refused before any command: the dialogue tells the reason the report cut off',
      message: reportNotice({
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>',
        subject: 'Returned mail: see transcript for details',
        text: `   ----- The following addresses had permanent fatal errors -----
<fay@example.org>
    (reason: 554-mx.example.org ESMTP Service not available)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
<<< 554-mx.example.org ESMTP Service not available
<<< 554-No SMTP service
<<< 554 IP address is block listed.
554 5.0.0 Service unavailable`,
        status: `Reporting-MTA: dns; mx.example.net

Final-Recipient: RFC822; fay@example.org
Action: failed
Status: 5.5.0
Diagnostic-Code: SMTP; 554-mx.example.org ESMTP Service not available`,
      }),
      kind: 'bounce',
      recipients: [['fay@example.org', null, 'blocked']],
    },
  ]);
});
