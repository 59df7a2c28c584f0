// The message as the formats read it: the parsed view plus lower-cased copies made once, so that
// every format's detect() is a few string searches.

import { firstAddress } from '../address.js';
import { looksLikeDsnText } from '../dsn.js';
import { headerValue, headerValues } from '../mime.js';
import type { MessageView } from '../view.js';

export interface Mail {
  view: MessageView;
  subject: string;
  /** Lower-cased subject. */
  subjectLc: string;
  from: string;
  fromLc: string;
  fromAddress: string | null;
  /** The human-readable notice (the returned original cut off), bounded. */
  text: string;
  /** Lower-cased notice. */
  lc: string;
  /** Lower-cased first part of the notice, for detect(). */
  head: string;
  /** Notice lines, bounded in number. */
  lines: string[];
  /** The same lines, lower-cased. */
  linesLc: string[];
  /** Delivery-status bodies (message/delivery-status parts, or DSN fields written in the text). */
  reports: string[];
  header(name: string): string | null;
  headers(name: string): string[];
}

const MAX_LINES = 4000;

export function makeMail(view: MessageView): Mail {
  const text = view.notice;
  const lc = text.toLowerCase();
  let reports = view.deliveryStatus;
  if (reports.length === 0 && looksLikeDsnText(text)) reports = [text];
  return {
    view,
    subject: view.subject,
    subjectLc: view.subject.toLowerCase(),
    from: view.from,
    fromLc: view.from.toLowerCase(),
    fromAddress: firstAddress(view.from),
    text,
    lc,
    head: lc.slice(0, 3000),
    lines: text.split('\n', MAX_LINES),
    linesLc: lc.split('\n', MAX_LINES),
    reports,
    header: (name) => headerValue(view.headers, name),
    headers: (name) => headerValues(view.headers, name),
  };
}
