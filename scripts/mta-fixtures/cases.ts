// What the scripted receiving servers answer, per recipient, when the real MTAs (test/env/mta/) deliver to them,
// and what each answer means in the bounce policy's vocabulary (shared/docs/bounce-policy.md section 1). The reply
// texts copy mail providers' published error texts (sources in each `note`); the fixtures' labels are made from
// this table, never from the notices. Placeholders filled per message: {rcpt} the recipient, {from} the envelope
// sender, {ip} the sending address, {id} a per-message token like the ones providers append.
import type { Reason } from '../../src/bounce/types.js';
import type { MtaName } from '../../test/env/mta/common.js';

/** When the scripted server answers: the greeting, MAIL FROM, RCPT TO, or the end of DATA. */
export type Phase = 'connect' | 'mail' | 'rcpt' | 'data';

export interface ScriptedReply {
  code: number;
  /** The reply's text lines without the code; several lines make a multi-line reply (`550-...`, `550 ...`). */
  lines: string[];
}

export type Behaviour =
  /** The scripted server answers `reply` at `phase`; a 4xx answer repeats until acceptAfterSeconds (default: always). */
  | { kind: 'reply'; phase: Phase; reply: ScriptedReply; acceptAfterSeconds?: number }
  /** The domain is not routed to a sink: the MTA's own DNS lookup finds nothing (`.invalid`, RFC 6761). */
  | { kind: 'nxdomain' }
  /** Routed to a loopback address and port where nothing listens: connection refused until the MTA gives up. */
  | { kind: 'refused' }
  /** The MTA must use TLS toward this route; the sink offers no STARTTLS (`require`) or only a self-signed certificate (`verify`). */
  | { kind: 'tls'; policy: 'require' | 'verify' }
  /** The sink advertises SIZE `limit`, smaller than the message: the MTA refuses to send it. */
  | { kind: 'size'; limit: number };

export interface CaseDef {
  id: string;
  /** The recipient's domain (the MTAs route it to the case's sink). */
  domain: string;
  behaviour: Behaviour;
  /**
   * The reason the scripted answer means. For a permanent failure it is the label's reason; for a temporary one it
   * is the reason of the delay warning, and the final failure after the MTA gave up is labelled `expired`, except
   * a refusal of the sending side (category blocked), which keeps its reason.
   */
  reason: Reason;
  /** Which published text the reply copies (or what the MTA itself does). */
  note: string;
  /** Bigger body: the message must exceed the sink's SIZE limit. */
  bigBody?: boolean;
  /** Only for these MTAs (default all). */
  only?: MtaName[];
  /** MTAs that, by their documentation, retry this permanent-looking answer until they give up. */
  temporaryFor?: MtaName[];
}

/** Several scripted recipients in one message (one notice with several recipient blocks). */
export interface MultiDef {
  id: string;
  cases: string[];
  /** Recipients at a sink that accepts them (they must not show up in the notice). */
  accepted: number;
}

const r = (phase: Phase, code: number, ...lines: string[]): Behaviour => ({ kind: 'reply', phase, reply: { code, lines } });
const later = (b: Behaviour, seconds: number): Behaviour => (b.kind === 'reply' ? { ...b, acceptAfterSeconds: seconds } : b);

const GMAIL = 'Gmail, "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730)';
const MS = 'Microsoft 365 / Outlook.com';
const YAHOO = 'Yahoo Sender Hub "SMTP Error Codes" (senders.yahooinc.com/smtp-error-codes)';

/** The per-recipient cases. Temporary ones that are later accepted get their acceptAfterSeconds from the timing. */
export function caseCatalogue(acceptAfterSeconds: number): CaseDef[] {
  return [
    // ---------- Gmail ----------
    {
      id: 'gmail-nosuchuser',
      domain: 'gmail.example',
      behaviour: r(
        'rcpt',
        550,
        '5.1.1 The email account that you tried to reach does not exist. Please try',
        "5.1.1 double-checking the recipient's email address for typos or",
        '5.1.1 unnecessary spaces. For more information, go to',
        '5.1.1  https://support.google.com/mail/?p=NoSuchUser {id} - gsmtp',
      ),
      reason: 'userunknown',
      note: `${GMAIL}: 550 5.1.1 "The email account that you tried to reach does not exist", multi-line as Gmail sends it`,
    },
    {
      id: 'gmail-disabled',
      domain: 'gmail.example',
      behaviour: r(
        'rcpt',
        550,
        '5.2.1 The email account that you tried to reach is disabled. For more',
        '5.2.1 information, go to',
        '5.2.1  https://support.google.com/mail/?p=DisabledUser {id} - gsmtp',
      ),
      reason: 'suspend',
      note: `${GMAIL}: 550 5.2.1 "The email account that you tried to reach is disabled"`,
    },
    {
      id: 'gmail-overquota-data',
      domain: 'gmail.example',
      behaviour: r(
        'data',
        552,
        '5.2.2 The email account that you tried to reach is over quota and inactive.',
        '5.2.2 Please direct the recipient to',
        '5.2.2  https://support.google.com/mail/?p=OverQuotaPerm {id} - gsmtp',
      ),
      reason: 'mailboxfull',
      note: `${GMAIL}: 552 5.2.2 "The email account that you tried to reach is over quota", after DATA`,
    },
    {
      id: 'gmail-overquota-temp',
      domain: 'gmail.example',
      behaviour: r(
        'rcpt',
        452,
        '4.2.2 The email account that you tried to reach is over quota. Please direct',
        '4.2.2 the recipient to',
        '4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {id} - gsmtp',
      ),
      reason: 'mailboxfull',
      note: `${GMAIL}: 452 4.2.2 "The email account that you tried to reach is over quota", every attempt until the MTA gives up`,
    },
    {
      id: 'gmail-unsolicited',
      domain: 'gmail.example',
      behaviour: r(
        'data',
        550,
        '5.7.1 [{ip}] Our system has detected that this message is',
        '5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,',
        '5.7.1 this message has been blocked. For more information, go to',
        '5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError',
        '5.7.1  {id} - gsmtp',
      ),
      reason: 'spamdetected',
      note: `${GMAIL}: 550 5.7.1 "Our system has detected that this message is likely unsolicited mail", after DATA`,
    },
    {
      id: 'gmail-ratelimited',
      domain: 'googlemail.example',
      behaviour: r(
        'rcpt',
        421,
        '4.7.28 [{ip}] Our system has detected an unusual rate of',
        '4.7.28 unsolicited mail originating from your IP address. To protect our',
        '4.7.28 users from spam, mail sent from your IP address has been temporarily',
        '4.7.28 rate limited. For more information, go to',
        '4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError {id} - gsmtp',
      ),
      reason: 'blocked',
      note: `${GMAIL}: 421 4.7.28 "unusual rate of unsolicited mail originating from your IP address ... temporarily rate limited" (closes the connection), until the MTA gives up`,
    },
    {
      id: 'gmail-not-authorized-ip',
      domain: 'gmail.example',
      behaviour: r(
        'rcpt',
        550,
        "5.7.1 [{ip}] The IP you're using to send mail is not authorized to",
        '5.7.1 send email directly to our servers. Please use the SMTP relay at your',
        '5.7.1 service provider instead. For more information, go to',
        '5.7.1  https://support.google.com/mail/?p=NotAuthorizedError {id} - gsmtp',
      ),
      reason: 'blocked',
      note: `${GMAIL}: 550 5.7.1 "The IP you're using to send mail is not authorized to send email directly to our servers"`,
    },
    {
      id: 'gmail-dmarc',
      domain: 'gmail.example',
      behaviour: r(
        'data',
        550,
        '5.7.26 Unauthenticated email from lists.example.test is not accepted due to',
        "5.7.26 domain's DMARC policy. Please contact the administrator of",
        '5.7.26 lists.example.test domain if this was a legitimate mail. To learn about',
        '5.7.26 the DMARC initiative, go to',
        '5.7.26  https://support.google.com/mail/?p=DmarcRejection {id} - gsmtp',
      ),
      reason: 'authfailure',
      note: `${GMAIL}: 550 5.7.26 "Unauthenticated email from ... is not accepted due to domain's DMARC policy"`,
    },
    {
      id: 'gmail-size',
      domain: 'gmail.example',
      behaviour: r(
        'data',
        552,
        "5.3.4 Your message exceeded Google's message size limits. For more",
        '5.3.4 information, go to',
        '5.3.4  https://support.google.com/mail/?p=MaxSizeError {id} - gsmtp',
      ),
      reason: 'mesgtoobig',
      note: `${GMAIL}: 552 5.3.4 "Your message exceeded Google's message size limits", after DATA`,
    },
    {
      id: 'gmail-policy',
      domain: 'gmail.example',
      behaviour: r('data', 550, '5.7.1 This message violates example.com email policy. - gcdp {id} - gsmtp'),
      reason: 'policyviolation',
      note: `${GMAIL}: 550 5.7.1 "This message violates example.com email policy. - gcdp <sessionid> - gsmtp" (a Workspace admin's rule)`,
    },
    {
      id: 'gmail-receiving-too-fast',
      domain: 'gmail.example',
      behaviour: later(
        r(
          'rcpt',
          450,
          '4.2.1 The user you are trying to contact is receiving mail too quickly.',
          '4.2.1 Please resend your message at a later time. If the user is able to',
          '4.2.1 receive mail at that time, your message will be delivered.',
          '4.2.1  https://support.google.com/mail/?p=ReceivingRate {id} - gsmtp',
        ),
        acceptAfterSeconds,
      ),
      reason: 'speeding',
      note: `${GMAIL}: 450 4.2.1 "The user you are trying to contact is receiving mail too quickly", later accepted`,
    },
    {
      id: 'gmail-temporary-problem',
      domain: 'gmail.example',
      behaviour: later(r('data', 451, '4.3.0 Mail server temporarily rejected message. {id} - gsmtp'), acceptAfterSeconds),
      reason: 'systemerror',
      note: `${GMAIL}: 451 4.3.0 "Mail server temporarily rejected message", after DATA, later accepted`,
    },
    {
      id: 'gmail-starttls-required',
      domain: 'gmail-tls.example',
      behaviour: r('mail', 530, '5.7.0 Must issue a STARTTLS command first. {id} - gsmtp'),
      reason: 'failedstarttls',
      note: `${GMAIL}: 530 5.7.0 "Must issue a STARTTLS command first" (RFC 3207); the MTA does not use TLS toward this server`,
    },

    // ---------- Microsoft ----------
    {
      id: 'outlook-mailbox-unavailable',
      domain: 'outlook.example',
      behaviour: r(
        'rcpt',
        550,
        '5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM4PEPF00027A6C.eurprd04.prod.outlook.com 2026-11-30T08:00:00.000Z 08DC0F7D2A1B3C4D]',
      ),
      reason: 'userunknown',
      note: `${MS}: 550 5.5.0 "Requested action not taken: mailbox unavailable" (Outlook.com's unknown-user reply; spamresource.com "Microsoft: Multiple types of invalid user bounces")`,
    },
    {
      id: 'outlook-access-denied',
      domain: 'contoso.example',
      behaviour: r(
        'rcpt',
        550,
        '5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5PEPF00014B9D.eurprd02.prod.outlook.com 2026-11-30T08:00:00.000Z 08DC0F7D2A1B3C4E]',
      ),
      reason: 'userunknown',
      note: `${MS}: 550 5.4.1 "Recipient address rejected: Access denied. AS(201806281)": Exchange Online's directory-based edge blocking, the recipient does not exist (learn.microsoft.com "Fix NDR error 550 5.4.1")`,
    },
    {
      id: 'o365-recipient-not-found',
      domain: 'fabrikam.example',
      behaviour: r('rcpt', 550, '5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup'),
      reason: 'userunknown',
      note: `${MS}: 550 5.1.10 "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup" (learn.microsoft.com NDR 5.1.10)`,
    },
    {
      id: 'outlook-spamhaus',
      domain: 'hotmail.example',
      behaviour: r(
        'rcpt',
        550,
        '5.7.1 Service unavailable, Client host [{ip}] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/{ip} (AS3130). [BN8NAM12FT034.eop-nam12.prod.protection.outlook.com 2026-11-30T08:00:00.000Z 08DC0F7D2A1B3C4F]',
      ),
      reason: 'blocked',
      note: `${MS}: 550 5.7.1 "Service unavailable, Client host [x] blocked using Spamhaus ... (AS3130)" (smtp.codes/exchangeonline)`,
    },
    {
      id: 'outlook-banned-sender',
      domain: 'outlook.example',
      behaviour: r(
        'rcpt',
        550,
        '5.7.511 Access denied, banned sender[{ip}]. To request removal from this list, forward this message to delist@microsoft.com. For more information please go to https://go.microsoft.com/fwlink/?LinkId=526653. AS(1130) [AM4PEPF00027A6C.eurprd04.prod.outlook.com]',
      ),
      reason: 'blocked',
      note: `${MS}: 550 5.7.511 "Access denied, banned sender[x]" (learn.microsoft.com NDR 5.7.500-5.7.999)`,
    },
    {
      id: 'o365-content-filter',
      domain: 'contoso.example',
      behaviour: r('data', 550, '5.7.1 Message rejected as spam by Content Filtering.'),
      reason: 'spamdetected',
      note: `${MS}: 550 5.7.1 "Message rejected as spam by Content Filtering" (Exchange Online Protection), after DATA`,
    },

    // ---------- Yahoo / AOL ----------
    {
      id: 'yahoo-nouser',
      domain: 'yahoo.example',
      behaviour: r('rcpt', 554, "delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [-5] - mta4012.mail.gq1.yahoo.com"),
      reason: 'userunknown',
      note: `${YAHOO}: 554 "delivery error: dd This user doesn't have a yahoo.com account" (no enhanced status code)`,
    },
    {
      id: 'yahoo-disabled',
      domain: 'yahoo.example',
      behaviour: r(
        'rcpt',
        554,
        'delivery error: dd Sorry your message to {rcpt} cannot be delivered. This mailbox is disabled (554.30). - mta4012.mail.gq1.yahoo.com',
      ),
      reason: 'suspend',
      note: `${YAHOO}: 554 "delivery error: dd Sorry your message to ... cannot be delivered. This mailbox is disabled (554.30)"`,
    },
    {
      id: 'yahoo-tss04',
      domain: 'aol.example',
      behaviour: r(
        'mail',
        421,
        '4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
      ),
      reason: 'blocked',
      note: `${YAHOO}: 421 4.7.0 [TSS04] "Messages from x temporarily deferred due to unexpected volume or user complaints", at MAIL FROM, until the MTA gives up`,
    },
    {
      id: 'yahoo-bl21',
      domain: 'ymail.example',
      behaviour: r(
        'mail',
        553,
        "5.7.1 [BL21] Connections will not be accepted from {ip}, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
      ),
      reason: 'blocked',
      note: `${YAHOO}: 553 5.7.1 [BL21] "Connections will not be accepted from x, because the ip is in Spamhaus's list", at MAIL FROM`,
    },

    // ---------- iCloud ----------
    {
      id: 'icloud-nouser',
      domain: 'icloud.example',
      behaviour: r('rcpt', 550, '5.1.1 <{rcpt}>: user does not exist'),
      reason: 'userunknown',
      note: 'iCloud Mail: 550 5.1.1 "<x>: user does not exist" (smtp.codes/icloud; Apple support HT204137)',
    },
    {
      id: 'icloud-overquota',
      domain: 'icloud.example',
      behaviour: r('rcpt', 450, '4.2.2 <{rcpt}>: user is overquota'),
      reason: 'mailboxfull',
      note: 'iCloud Mail: 450 4.2.2 "<x>: user is overquota", until the MTA gives up',
    },
    {
      id: 'icloud-cs01',
      domain: 'icloud.example',
      behaviour: r('data', 550, '5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137'),
      reason: 'policyviolation',
      note: 'iCloud Mail: 550 5.7.1 [CS01] "Message rejected due to local policy" (smtp.codes/icloud), after DATA',
    },
    {
      id: 'icloud-volume',
      domain: 'me-com.example',
      behaviour: later(
        r('rcpt', 421, '4.7.1 Messages to {rcpt} deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137'),
        acceptAfterSeconds,
      ),
      reason: 'speeding',
      note: 'iCloud Mail: 421 4.7.1 "Messages to x deferred due to excessive volume. Try again later", later accepted',
    },

    // ---------- GMX / WEB.DE (United Internet: no enhanced status codes) ----------
    {
      id: 'gmx-mailbox-unavailable',
      domain: 'gmx.example',
      behaviour: r('rcpt', 550, '<{rcpt}>: Requested action not taken: mailbox unavailable'),
      reason: 'userunknown',
      note: 'GMX / WEB.DE (postmaster.gmx.net): 550 "<x>: Requested action not taken: mailbox unavailable" (the recipient does not exist)',
    },
    {
      id: 'gmx-blocklisted',
      domain: 'gmx-net.example',
      behaviour: r(
        'connect',
        554,
        'gmx.net (mxgmx104) Nemesis ESMTP Service not available',
        'No SMTP service',
        'IP address is block listed.',
        'For explanation visit https://postmaster.gmx.net/en/case?c=r0201&i=ip&v={ip}&r={id}',
      ),
      reason: 'blocked',
      note: 'GMX (postmaster.gmx.com/en/error-messages): 554 multi-line greeting "Service not available / No SMTP service / IP address is block listed."',
      // Postfix skips a server that greets with 5xx and tries again later (postconf(5) smtp_skip_5xx_greeting);
      // OpenSMTPD counts it as a network error on the MX and retries too.
      temporaryFor: ['postfix', 'opensmtpd'],
    },
    {
      id: 'gmx-spf',
      domain: 'gmx-de.example',
      behaviour: r(
        'mail',
        550,
        '<{from}>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner',
      ),
      reason: 'authfailure',
      note: 'GMX / WEB.DE (smtp.codes/unitedinternet): 550 "Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner", at MAIL FROM',
    },
    {
      id: 'webde-quota',
      domain: 'web-de.example',
      behaviour: r('rcpt', 552, 'Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.'),
      reason: 'mailboxfull',
      note: 'WEB.DE: "Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space." (sitepackage.de list of provider replies)',
    },

    // ---------- Orange ----------
    {
      id: 'orange-invalid-recipient',
      domain: 'orange.example',
      behaviour: r('rcpt', 550, "5.1.1 <{rcpt}>: Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]"),
      reason: 'userunknown',
      note: 'Orange (postmaster.orange.fr OFR codes): 550 5.1.1 "Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416"',
    },
    {
      id: 'orange-too-many-connections',
      domain: 'wanadoo.example',
      behaviour: r('connect', 421, 'mwinf5c13 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR004_104 [104]'),
      reason: 'toomanyconn',
      note: 'Orange (OFR codes as listed by bentonow.com/smtp-errors/orange): 421 "Trop de connexions ... Too many connections, slow down. OFR004_104", at the greeting, until the MTA gives up',
    },

    // ---------- Mail.ru ----------
    {
      id: 'mailru-user-not-found',
      domain: 'mail-ru.example',
      behaviour: r('rcpt', 550, 'Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: user not found'),
      reason: 'userunknown',
      note: 'Mail.ru (help.mail.ru postmaster): 550 "Message was not accepted -- invalid mailbox. Local mailbox x is unavailable: user not found"',
    },
    {
      id: 'mailru-account-disabled',
      domain: 'mail-ru.example',
      behaviour: r('rcpt', 550, 'Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: account is disabled'),
      reason: 'suspend',
      note: 'Mail.ru (help.mail.ru postmaster): 550 "... Local mailbox x is unavailable: account is disabled"',
    },
    {
      id: 'mailru-spam',
      domain: 'mail-ru.example',
      behaviour: r(
        'data',
        550,
        'spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c={id} or  report details to abuse@corp.mail.ru. Error code: 8A7B6C5D4E3F2A1B. ID: 1F2E3D4C.',
      ),
      reason: 'spamdetected',
      note: 'Mail.ru (help.mail.ru notspam-support): 550 "spam message rejected. Please visit https://help.mail.ru/notspam-support/...", after DATA',
    },

    // ---------- QQ ----------
    {
      id: 'qq-mailbox-not-found',
      domain: 'qq.example',
      behaviour: r('rcpt', 550, 'Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728'),
      reason: 'userunknown',
      note: 'QQ Mail (service.mail.qq.com help 20022/1000728, as quoted by smtp.codes/qq): 550 "Mailbox not found."',
    },
    {
      id: 'qq-content-denied',
      domain: 'qq.example',
      behaviour: r('data', 550, 'Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726'),
      reason: 'spamdetected',
      note: 'QQ Mail (help 20022/1000726): 550 "Mail content denied." (reported as spam by many users), after DATA',
    },
    {
      id: 'qq-frequency-limited',
      domain: 'qq.example',
      behaviour: r('rcpt', 550, 'Mailbox unavailable or access denied [MJa/DtpRzNn8Xbfqzs0BIktYaIA= IP: {ip}]. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725'),
      reason: 'speeding',
      note: 'QQ Mail (help 20022/1000725): 550 "Mailbox unavailable or access denied" means the recipient got too many messages in a short time and QQ refuses more for now (smtp.codes/qq)',
    },

    // ---------- generic server software (published texts of Postfix, Sendmail, Dovecot, postgrey, RFCs) ----------
    {
      id: 'postfix-unknown-user',
      domain: 'isp-a.example',
      behaviour: r('rcpt', 550, '5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table'),
      reason: 'userunknown',
      note: 'Postfix smtpd (postconf(5) unknown_virtual_mailbox_reject_code): 550 5.1.1 "Recipient address rejected: User unknown in virtual mailbox table"',
    },
    {
      id: 'sendmail-unknown-user-500',
      domain: 'isp-b.example',
      behaviour: r('rcpt', 550, '5.0.0 <{rcpt}>... User unknown'),
      reason: 'userunknown',
      note: 'Sendmail (its own text): 550 5.0.0 "<x>... User unknown": unknown user with a generic status',
    },
    {
      id: 'unknown-user-521',
      domain: 'isp-c.example',
      behaviour: r('rcpt', 550, '5.2.1 <{rcpt}>: Recipient address rejected: undeliverable address: No such user here'),
      reason: 'userunknown',
      note: 'Unknown user with a mailbox-status code: 550 5.2.1 "... No such user here" (qmail/Courier wording "no such user here")',
    },
    {
      id: 'dovecot-quota',
      domain: 'isp-a.example',
      behaviour: r('rcpt', 552, '5.2.2 <{rcpt}>: Quota exceeded (mailbox for user is full)'),
      reason: 'mailboxfull',
      note: 'Dovecot LMTP/LDA (quota_exceeded_message default): 552 5.2.2 "Quota exceeded (mailbox for user is full)"',
    },
    {
      id: 'mailbox-disabled',
      domain: 'isp-b.example',
      behaviour: r('rcpt', 550, '5.2.1 <{rcpt}>: Mailbox disabled, not accepting messages'),
      reason: 'suspend',
      note: 'RFC 3463 X.2.1 "Mailbox disabled, not accepting messages"',
    },
    {
      id: 'user-has-moved',
      domain: 'isp-c.example',
      behaviour: r('rcpt', 551, '5.1.6 User not local; please try <new.address@isp-d.example>'),
      reason: 'hasmoved',
      note: 'RFC 5321 4.2.2 551 "User not local; please try <forward-path>", RFC 3463 X.1.6 "Mailbox has moved"',
    },
    {
      id: 'spamhaus-zen',
      domain: 'isp-a.example',
      behaviour: r('rcpt', 554, '5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}'),
      reason: 'blocked',
      note: 'Postfix reject_rbl_client with Spamhaus ZEN (postconf(5) default_rbl_reply): 554 5.7.1 "Service unavailable; Client host [x] blocked using zen.spamhaus.org"',
    },
    {
      id: 'relay-denied',
      domain: 'isp-b.example',
      behaviour: r('rcpt', 554, '5.7.1 <{rcpt}>: Relay access denied'),
      reason: 'norelaying',
      note: 'Postfix smtpd reject_unauth_destination: 554 5.7.1 "Relay access denied"',
    },
    {
      id: 'sender-domain-not-found',
      domain: 'isp-e.example',
      behaviour: r('mail', 553, '5.1.8 <{from}>: Sender address rejected: Domain not found'),
      reason: 'rejected',
      note: 'Postfix smtpd reject_unknown_sender_domain: 553 5.1.8 "Sender address rejected: Domain not found", at MAIL FROM',
    },
    {
      id: 'message-too-long',
      domain: 'isp-c.example',
      behaviour: r('data', 552, '5.2.3 Message length exceeds administrative limit'),
      reason: 'exceedlimit',
      note: 'RFC 3463 X.2.3 "Message length exceeds administrative limit", after DATA',
    },
    {
      id: 'postfix-size-data',
      domain: 'isp-b.example',
      behaviour: r('data', 552, '5.3.4 Message size exceeds fixed limit'),
      reason: 'mesgtoobig',
      note: 'Postfix cleanup (message_size_limit): 552 5.3.4 "Message size exceeds fixed limit", after DATA',
    },
    {
      id: 'greylisted-then-accepted',
      domain: 'isp-a.example',
      behaviour: later(r('rcpt', 451, '4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/lists.example.test.html'), acceptAfterSeconds),
      reason: 'expired',
      note: 'postgrey (its default greylist_text): 451 4.7.1 "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/..."; accepted later',
    },
    {
      id: 'greylisted-forever',
      domain: 'isp-b.example',
      behaviour: r('rcpt', 451, '4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/lists.example.test.html'),
      reason: 'expired',
      note: 'postgrey: 451 4.7.1 "Greylisted" on every attempt until the MTA gives up',
    },
    {
      id: 'system-busy-forever',
      domain: 'isp-c.example',
      behaviour: r('rcpt', 451, '4.3.0 <{rcpt}>: Temporary lookup failure'),
      reason: 'systemerror',
      note: 'Postfix smtpd: 451 4.3.0 "Temporary lookup failure" on every attempt until the MTA gives up',
    },

    // ---------- failures the MTA finds itself ----------
    {
      id: 'domain-not-found',
      domain: 'mail-e.invalid',
      behaviour: { kind: 'nxdomain' },
      reason: 'hostunknown',
      note: "The MTA's own DNS lookup: the recipient domain does not exist (.invalid, RFC 6761)",
    },
    {
      id: 'connection-refused',
      domain: 'corp-d.example',
      behaviour: { kind: 'refused' },
      reason: 'networkerror',
      note: "The MTA's own connection attempts are refused (nothing listens at the route's address) until it gives up",
    },
    {
      id: 'tls-not-offered',
      domain: 'corp-a.example',
      behaviour: { kind: 'tls', policy: 'require' },
      reason: 'failedstarttls',
      note: 'The MTA must use TLS toward this server (its TLS policy), the server offers no STARTTLS: deferred until the MTA gives up',
    },
    {
      id: 'tls-untrusted-certificate',
      domain: 'corp-b.example',
      behaviour: { kind: 'tls', policy: 'verify' },
      reason: 'failedstarttls',
      note: "The MTA must verify the server's certificate (its TLS policy); the server's is self-signed: deferred until the MTA gives up",
    },
    {
      id: 'size-over-advertised-limit',
      domain: 'corp-c.example',
      behaviour: { kind: 'size', limit: 20_000 },
      reason: 'mesgtoobig',
      note: 'The server advertises SIZE 20000 (RFC 1870) and the message is larger: the MTA refuses it itself, or the server at MAIL FROM',
      bigBody: true,
    },
  ];
}

/** Several failing recipients in one message: all at sinks that answer per recipient. */
export const MULTI: MultiDef[] = [
  { id: 'multi-unknown-users', cases: ['gmail-nosuchuser', 'outlook-mailbox-unavailable', 'yahoo-nouser'], accepted: 1 },
  { id: 'multi-mixed-reasons', cases: ['icloud-nouser', 'dovecot-quota', 'spamhaus-zen', 'mailru-account-disabled'], accepted: 0 },
  { id: 'multi-unknown-domain-and-user', cases: ['domain-not-found', 'postfix-unknown-user'], accepted: 1 },
  { id: 'multi-deferred', cases: ['gmail-overquota-temp', 'greylisted-forever'], accepted: 1 },
  { id: 'multi-now-and-later', cases: ['orange-invalid-recipient', 'icloud-overquota'], accepted: 0 },
];
