// The format registry: every sending system whose notices we can read, in the order they are tried.
// The first format whose detect() accepts the message and whose parse() finds recipients (or a
// success report) answers, and its name becomes the classification's detector.

import { amazonses } from './amazonses.js';
import { aol } from './aol.js';
import { au } from './au.js';
import { barracuda } from './barracuda.js';
import { dragonfly } from './dragonfly.js';
import { fml } from './fml.js';
import { googlegroups } from './googlegroups.js';
import { groupwise } from './groupwise.js';
import { hmailserver } from './hmailserver.js';
import { imailserver } from './imailserver.js';
import { interscanmss } from './interscanmss.js';
import { mailmarshal } from './mailmarshal.js';
import { mfilter } from './mfilter.js';
import { verizon } from './verizon.js';
import { zoho } from './zoho.js';
import { courier } from './courier.js';
import { domino } from './domino.js';
import { exchange } from './exchange.js';
import { exchange2003 } from './exchange2003.js';
import { exim } from './exim.js';
import { generic, isDelayNotice, looksLikeNotice } from './generic.js';
import { gmail } from './gmail.js';
import { messagingserver } from './messagingserver.js';
import { opensmtpd } from './opensmtpd.js';
import { postfix } from './postfix.js';
import { qmail } from './qmail.js';
import { sendmail } from './sendmail.js';
import { yahoo } from './yahoo.js';
import { makeMail, type Mail } from './mail.js';
import { rfc3464 } from './rfc3464.js';
import type { Format, FormatResult } from './types.js';
import type { MessageView } from '../view.js';

/**
 * Order matters in three places:
 * - systems with a signature of their own come before rfc3464, which reads any report: they know
 *   where their notice text says which SMTP command failed and how they word delays;
 * - among them, a system that reuses another's wording comes before it: hMailServer writes Exchange
 *   2000's sentences (and signs its name), Zoho and Google Groups send what Exim and Gmail would;
 * - generic, which reads any failure wording, is last.
 */
export const FORMATS: readonly Format[] = [
  amazonses,
  googlegroups,
  fml,
  barracuda,
  postfix,
  zoho,
  exim,
  sendmail,
  qmail,
  courier,
  opensmtpd,
  exchange,
  hmailserver,
  exchange2003,
  gmail,
  yahoo,
  domino,
  messagingserver,
  dragonfly,
  mfilter,
  imailserver,
  interscanmss,
  mailmarshal,
  au,
  verizon,
  aol,
  groupwise,
  rfc3464,
  generic,
];

export interface FormatAnswer {
  format: string;
  result: FormatResult;
  mail: Mail;
}

export function readNotice(view: MessageView | Mail, formats: readonly Format[] = FORMATS): FormatAnswer | null {
  const mail = 'view' in view ? view : makeMail(view);
  let recognised: string | null = null;
  for (const f of formats) {
    if (!f.detect(mail)) continue;
    recognised ??= f.name;
    const result = f.parse(mail);
    if (result && (result.recipients.length > 0 || result.kind === 'other')) return { format: f.name, result, mail };
  }
  // A failure notice whose recipients none of the formats could read is still a failure notice: the
  // VERP address it was sent to names the member (bounce-policy.md §2).
  if (recognised && looksLikeNotice(mail)) return { format: recognised, result: { kind: isDelayNotice(mail) ? 'delay' : 'bounce', recipients: [] }, mail };
  return null;
}
