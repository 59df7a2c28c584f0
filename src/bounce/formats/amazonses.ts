// Amazon SES: bounce notifications as JSON forwarded by SNS ({"notificationType":"Bounce", …}), and
// the DSNs SES mails from MAILER-DAEMON@…amazonses.com ("The following message to <a> was
// undeliverable. The reason for the problem: 5.1.0 - Unknown address error …").
// SES documents its bounce sub-types; those that name a reason are passed on as hints.

import { detectSesJson } from '../ses-json.js';
import type { Reason } from '../types.js';
import { fromReport, linesAbout, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

/** SES bounceSubType → reason (docs.aws.amazon.com/ses/latest/dg/notification-contents.html). */
const SUB_TYPES: Record<string, Reason> = {
  NoEmail: 'userunknown',
  Suppressed: 'suppressed',
  OnAccountSuppressionList: 'suppressed',
  MailboxFull: 'mailboxfull',
  MessageTooLarge: 'mesgtoobig',
  ContentRejected: 'contenterror',
  AttachmentRejected: 'policyviolation',
};

/**
 * SES writes its own status and label in front of the remote server's reply, which it quotes:
 * "5.1.0 - Unknown address error 550-'5.7.1 <…>... Access denied' (delivery attempts: 0)". The
 * quoted reply is the diagnostic; SES's words become context.
 */
function remoteReply(diagnostic: string): { diagnostic: string; context: string } | Record<string, never> {
  const m = /^\s*[245]\.\d{1,3}\.\d{1,3} - ([^']{0,200}?)\s*([45]\d\d[- ]'.*?)'?\s*(\(delivery attempts: \d+\))?\s*$/s.exec(diagnostic);
  return m ? { diagnostic: m[2].replace(/^([45]\d\d)[- ]'/, '$1 '), context: m[1] } : {};
}

/** The JSON key, also as SNS escapes it inside its own JSON envelope. */
const SNS_JSON = /\\?"notificationtype\\?"\s*:/;

export const amazonses: Format = {
  name: 'amazonses',
  detect: (mail) => SNS_JSON.test(mail.lc) || mail.fromLc.includes('amazonses.com'),
  parse(mail) {
    if (SNS_JSON.test(mail.lc)) {
      const ses = detectSesJson(mail.text);
      if (ses?.type === 'delivery') return { kind: 'other', recipients: [] };
      if (ses?.type !== 'bounce') return null;
      const hint = ses.subType ? (SUB_TYPES[ses.subType] ?? null) : null;
      return resultOf(
        ses.recipients.map((r) =>
          recipient(r.address, r.diagnostic ?? '', {
            status: r.status,
            // A transient bounce is SES's final word on this message: the status class says it was temporary.
            reason: hint,
          }),
        ),
      );
    }
    const r = fromReport(mail, (a, all) => linesAbout(mail, a, all, 4));
    if (!r) return null;
    return { ...r, recipients: r.recipients.map((x) => ({ ...x, ...remoteReply(x.diagnostic) })) };
  },
};
