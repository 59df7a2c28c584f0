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

/**
 * The status the remote server gave with its reply ("550 5.7.1", "550-'5.7.1"), which is more to
 * the point than a status a relaying system wrote in front of it ("5.1.0 - Unknown address error
 * 550-'5.7.1 …'"); else the first status in the text.
 */
export function replyStatusIn(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /(?:^|[\s:(\["'#=])[45]\d\d[ -]['"]?([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/.exec(text.length > 4000 ? text.slice(0, 4000) : text);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : statusIn(text);
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
  ['RCPT', /(\bin reply to rcpt to|\bafter (pipelined )?rcpt to|\brcpt to response|>>> ?rcpt to|\[rcpt_to\]|\bdoes not like recipient|\brcpt to command|\bafter rcpt command|\bfor rcpt to|\bdid not like our rcpt)/g],
  ['DATA', /(\bin reply to (end of )?data|\bafter (pipelined )?(end of )?data\b|>>> ?data\b|\bdata command|\bour final data|\[data\]|\bafter the data|\bend of data|\bfailed after i sent the message|\bdid not like our (final )?data)/g],
  ['MAIL', /(\bin reply to mail from|\bafter (pipelined )?mail from|>>> ?mail from|\bmail from command|\[mail_from\]|\bsender was rejected|\bdid not like our mail)/g],
  ['HELO', /(\bin reply to (helo|ehlo|lhlo)|\bafter (helo|ehlo)|>>> ?(helo|ehlo)|\b(helo|ehlo) command|\bmy name was rejected|\bdid not like our (helo|ehlo))/g],
  ['STARTTLS', /(\bin reply to starttls|\bafter starttls|>>> ?starttls|\bstarttls command)/g],
  ['AUTH', /(\bin reply to auth|\bafter auth\b|>>> ?auth\b)/g],
  ['CONN', /\b(after initial connection|greeting failed|refused to talk to me|while connecting|in reply to initial greeting|connection to .{1,80} (refused|failed)|did not like our greeting)/g],
];
