// Sendmail (and agents that kept its sections: Activehunter, Bigfoot, McAfee gateways): "The original
// message was received at …", "----- The following addresses had permanent fatal errors -----" with
// each "<address>" followed by "(reason: 550 5.1.1 …)", then "----- Transcript of session follows
// -----" where ">>> RCPT To:<address>" / ">>> DATA" and "<<< 550 …" show the SMTP dialogue. An RFC 3464
// report is attached since 8.8. Delay warnings: subject "Warning: could not send message for past 4
// hours", "THIS IS A WARNING MESSAGE ONLY", "----- The following addresses had transient non-fatal
// errors -----". Sendmail 5 ("v5") wrote only the transcript: "554 <address>... 550 Host unknown".

import { addressesIn } from '../address.js';
import { commandIn } from '../smtp.js';
import { addressBlocks, fromReport, includesAny, lineIndex, linesAbout, recipient, resultOf, senderSide, transcriptCommand } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';
import type { FoundRecipient } from './types.js';

const SECTIONS = [
  '----- the following addresses had permanent fatal errors -----',
  '----- the following addresses had permanent delivery errors -----',
  '----- the following addresses had transient non-fatal errors -----',
  '----- the following addresses had delivery problems -----',
  '----- transcript of session follows -----',
  // McAfee (Secure Mail) gateways keep Sendmail's list with three dashes.
  '--- the following addresses had delivery problems ---',
];
const LIST = ['the following addresses had', 'the following address had'];
const LIST_END = ['----- transcript of session', '----- original message', '----- message header', '----- the following addresses'];
const TRANSCRIPT = ['----- transcript of session follows -----'];
const DELAY = ['warning: could not send message for past', 'this is a warning message only', 'transient non-fatal errors', 'will keep trying until message is'];

/** The transcript section: from its heading to the returned message. */
function transcript(mail: Mail): string {
  const at = lineIndex(mail, TRANSCRIPT);
  if (at < 0) return '';
  const out: string[] = [];
  for (let i = at + 1; i < mail.lines.length && out.length < 200; i++) {
    const l = mail.lines[i].toLowerCase();
    if (l.includes('----- original message') || l.includes('----- message header') || l.includes('----- returned message')) break;
    out.push(mail.lines[i].replace(/^>\s?(?=>>>|<<<)/, ''));
  }
  return out.join('\n');
}

/** Sendmail's "NNN <address>... reason" lines (the transcript's own verdict for each recipient). */
function verdicts(mail: Mail, text: string): Map<string, string> {
  const out = new Map<string, string>();
  const skip = senderSide(mail);
  for (const line of text.split('\n')) {
    const m = /^\s*(?:>\s*)?([45]\d\d)\s+(?:[45]\.\d{1,3}\.\d{1,3}\s+)?<?([^\s<>]{1,254}@[^\s<>]{1,255}?)>?\.\.\.\s*(.*)$/.exec(line);
    if (!m) continue;
    const a = addressesIn(m[2], 1)[0];
    if (a && !skip.has(a) && !out.has(a)) out.set(a, `${m[1]} ${m[3]}`);
  }
  return out;
}

/** The remote server's reply lines ("<<< …") of the transcript. */
function replyLines(session: string): string {
  return session
    .split('\n')
    .filter((l) => l.trim().startsWith('<<<'))
    .slice(0, 20)
    .join('\n');
}

/** A reply before any command of its session ("... while talking to host:" then "<<< 554 …") refused the connection. */
function greetingRefused(session: string): 'CONN' | null {
  let talking = false;
  for (const line of session.split('\n', 500)) {
    const t = line.trim().toLowerCase();
    if (t.startsWith('... while talking to') || t.startsWith('while talking to')) talking = true;
    else if (t.startsWith('>>>')) talking = false;
    else if (talking && /^<<<\s*5\d\d/.test(t)) return 'CONN';
  }
  return null;
}

export const sendmail: Format = {
  name: 'sendmail',
  detect: (mail) =>
    includesAny(mail.head, SECTIONS) ||
    (mail.subjectLc.startsWith('returned mail:') && mail.reports.length > 0) ||
    mail.subjectLc.startsWith('warning: could not send message for past'),
  parse(mail) {
    const session = transcript(mail);
    const listAt = lineIndex(mail, LIST);
    const blocks = new Map<string, string>();
    if (listAt >= 0) for (const b of addressBlocks(mail, { start: listAt + 1, stop: (l) => includesAny(l, LIST_END) })) blocks.set(b.address, b.text);
    const said = verdicts(mail, session);
    // With one recipient the whole dialogue is about it: the report often keeps only the first line of
    // a multi-line reply ("554-… Service not available"), the transcript has the rest.
    const single = new Set([...blocks.keys(), ...said.keys()]).size <= 1;
    const replies = single ? replyLines(session) : '';
    const about = (a: string, all: string[]) => [blocks.get(a), said.get(a), replies].filter(Boolean).join('\n') || linesAbout(mail, a, all);
    const withCommand = (r: FoundRecipient): FoundRecipient => ({
      ...r,
      // The reply's own words, then the dialogue, then the notice prose.
      command: commandIn(r.diagnostic) ?? transcriptCommand(session, r.address) ?? (single ? greetingRefused(session) : null) ?? r.command,
    });
    const delayed = includesAny(mail.subjectLc, DELAY) || includesAny(mail.head, DELAY);
    if (mail.reports.length > 0) {
      const r = fromReport(mail, about);
      if (r) return { ...r, recipients: r.recipients.map(withCommand) };
    }
    const addresses = [...blocks.keys()];
    for (const a of said.keys()) if (!addresses.includes(a)) addresses.push(a);
    return resultOf(addresses.map((a) => withCommand(recipient(a, about(a, addresses), { delayed, context: session.slice(0, 2000) }))));
  },
};
