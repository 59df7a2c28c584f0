// OpenSMTPD (smtpd's bounce.c): "Hi! This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail."
// then "An error has occurred while attempting to deliver a message for the following list of
// recipients:" (newer: "Delivery to the following recipients failed permanently:") or, in a delay
// warning, "A message is delayed for more than N hours for the following list of recipients:" and
// "Please note that this is only a temporary failure report."; each recipient "address: reason".
// Subjects "Delivery status notification: error | failed | delayed | warning | success".
// OpenSMTPD 6.8 words the final notice of an expired envelope like a warning (subject "delayed",
// Action: delayed, Status: 4.4.7), but "Envelope expired" means the envelope was removed from the
// queue: nothing more will be tried, so that recipient is a final failure.

import { blocksAfter, fromReport, includesAny, recipient, resultOf } from './kit.js';
import type { Format, FoundRecipient } from './types.js';

const SIGNATURE = ['this is the mailer-daemon, please do not reply to this'];
const INTRO = ['following list of recipients', 'list of recipients:', 'delivery to the following recipients'];
const END = ['please note that this is only a temporary failure', 'below is a copy of the original message', 'the message is kept in the queue'];
const EXPIRED = ['envelope expired'];
const DELAY = ['only a temporary failure report', 'a message is delayed for more than', 'was postponed because of', 'delivery status notification: delayed', 'delivery status notification: warning'];

export const opensmtpd: Format = {
  name: 'opensmtpd',
  detect: (mail) => includesAny(mail.head, SIGNATURE) || mail.subjectLc.startsWith('delivery status notification: '),
  parse(mail) {
    const blocks = new Map(blocksAfter(mail, INTRO, END).map((b) => [b.address, b.text]));
    const expired = (r: FoundRecipient): FoundRecipient =>
      r.delayed && includesAny(`${r.diagnostic}\n${r.context}`.toLowerCase(), EXPIRED) ? { ...r, delayed: false } : r;
    if (mail.reports.length > 0) {
      const r = fromReport(mail, (a) => blocks.get(a) ?? '');
      if (r) return resultOf(r.recipients.map(expired)) ?? r;
    }
    const delayed = includesAny(mail.head, DELAY) || includesAny(mail.subjectLc, DELAY);
    return resultOf([...blocks].map(([a, text]) => expired(recipient(a, text, { delayed }))));
  },
};
