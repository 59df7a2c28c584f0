// The contract of a notice format: one file per sending system's way of writing failure notices.

import type { SmtpCommand } from '../smtp.js';
import type { Reason } from '../types.js';
import type { Mail } from './mail.js';

/** One recipient as the notice reports it, before any reason is decided. */
export interface FoundRecipient {
  /** Lower-cased mailbox. */
  address: string;
  /** RFC 3463 status from the report's Status: field (or the format's own status field). */
  status: string | null;
  /** SMTP reply code, when the format reports it apart from the text. */
  replyCode: string | null;
  /** The failure text for this recipient: the SMTP reply or the notice's lines about it. */
  diagnostic: string;
  /** More text about the recipient, less specific than the diagnostic (the notice prose around it). */
  context: string;
  /** The SMTP command the failure answered, when the notice says so. */
  command: SmtpCommand | null;
  /** True when delivery is still being tried (a delay warning), false for a final failure. */
  delayed: boolean;
  remoteMta: string | null;
  /** A reason the notice's structured fields name outright (an ESP's bounce sub-type). */
  reason?: Reason | null;
}

export interface FormatResult {
  /** `other`: a report that says every recipient was delivered (a success DSN). */
  kind: 'bounce' | 'delay' | 'other';
  recipients: FoundRecipient[];
}

export interface Format {
  /** Names the format in the classification's `detector`. */
  name: string;
  /** Cheap test on the sender, subject and first lines: is this notice written by this system? */
  detect(mail: Mail): boolean;
  /** The recipients it reports, or null when the notice does not parse as this format after all. */
  parse(mail: Mail): FormatResult | null;
}
