import { describe } from 'vitest';
import { formatTable, reportNotice, textNotice } from './table.js';

describe('exchange', () => {
  formatTable('exchange', [
    {
      name: 'Office 365: recipient not found (5.1.10), with a report',
      message: reportNotice({
        from: 'Microsoft Outlook <postmaster@example.onmicrosoft.com>',
        subject: 'Undeliverable: Issue 7',
        text: `Delivery has failed to these recipients or groups:

ann@example.org<mailto:ann@example.org>
The email address wasn't found at the destination domain. It might be misspelled or it might not exist any longer.

Diagnostic information for administrators:

Generating server: AM0PR01MB1234.eurprd01.prod.outlook.com

ann@example.org
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:`,
        status: `Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com

Final-recipient: RFC822; ann@example.org
Action: failed
Status: 5.1.10
Diagnostic-code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup`,
      }),
      kind: 'bounce',
      recipients: [['ann@example.org', 'userunknown', 'hard']],
    },
    {
      name: 'Exchange 2010 text without a report: the administrators\' section',
      message: textNotice({
        from: 'postmaster@corp.example.org',
        subject: 'Undeliverable: Issue 7',
        body: `Delivery has failed to these recipients or groups:

bob@corp.example.org
The recipient's mailbox is full and can't accept messages now.

Diagnostic information for administrators:

Generating server: ex1.corp.example.org

bob@corp.example.org
#552 5.2.2 STOREDRV.Deliver; mailbox full ##

Original message headers:`,
      }),
      kind: 'bounce',
      recipients: [['bob@corp.example.org', 'mailboxfull', 'soft']],
    },
  ]);
});
