// SMTP facts read out of diagnostic text: the RFC 3463 status, the RFC 5321 reply code, and the
// command the server was answering. Shared by every format and by the reasons.

export type SmtpCommand = 'CONN' | 'HELO' | 'STARTTLS' | 'AUTH' | 'MAIL' | 'RCPT' | 'DATA';

// Not preceded by a digit or a dot and not followed by one: "192.5.1.1" is an address, not a status.
const STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/;

/** The first RFC 3463 status in a text, normalised ("5.01.1" → "5.1.1"), or null. */
export function statusIn(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = STATUS.exec(text.length > 4000 ? text.slice(0, 4000) : text);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}

/** The first SMTP reply code (4xx/5xx) at a word start, e.g. "550" in "host said: 550-5.1.1 …". */
export function replyCodeIn(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /(?:^|[\s:(\["'#=-])([45][0-5]\d)(?=[\s\-:.,)\]]|$)/m.exec(text.length > 4000 ? text.slice(0, 4000) : text);
  return m ? m[1] : null;
}

/**
 * Which SMTP command the refusal answered, from the wording MTAs use for it: Postfix "(in reply to
 * RCPT TO command)", Exim "SMTP error from remote mail server after RCPT TO:", Sendmail's transcript
 * ">>> RCPT To:", qmail "… RCPT TO response", Courier ">>> DATA", DragonFly "did not like our final
 * DATA", Yahoo "[RCPT_TO]". The last command named wins: a transcript ends at the failing one.
 */
export function commandIn(text: string | null | undefined): SmtpCommand | null {
  if (!text) return null;
  const t = (text.length > 6000 ? text.slice(0, 6000) : text).toLowerCase();
  let found: SmtpCommand | null = null;
  let at = -1;
  for (const [cmd, re] of COMMAND_WORDING) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) !== null) {
      if (m.index > at) {
        at = m.index;
        found = cmd;
      }
    }
  }
  return found;
}

const COMMAND_WORDING: ReadonlyArray<readonly [SmtpCommand, RegExp]> = [
  ['RCPT', /\b(in reply to rcpt to|after rcpt to|rcpt to response|>>> ?rcpt to|\[rcpt_to\]|does not like recipient|rcpt to command|smtp error from remote server after rcpt|for rcpt to)/g],
  ['DATA', /\b(in reply to (end of )?data|after (end of )?data\b|>>> ?data\b|data command|our final data|\[data\]|after the data|end of data)/g],
  ['MAIL', /\b(in reply to mail from|after mail from|>>> ?mail from|mail from command|\[mail_from\]|sender was rejected)/g],
  ['HELO', /\b(in reply to (helo|ehlo|lhlo)|after (helo|ehlo)|>>> ?(helo|ehlo)|(helo|ehlo) command)/g],
  ['STARTTLS', /\b(in reply to starttls|after starttls|>>> ?starttls|starttls command)/g],
  ['AUTH', /\b(in reply to auth|after auth\b|>>> ?auth\b)/g],
  ['CONN', /\b(after initial connection|greeting failed|refused to talk to me|while connecting|in reply to initial greeting|connection to .{1,80} (refused|failed)|did not like our greeting)/g],
];
