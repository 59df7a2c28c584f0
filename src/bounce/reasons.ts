// Why a delivery failed (a Sisimai-style reason word) from the DSN status and the diagnostic text,
// and the category the specification (bounce-policy.md §1) derives from it.

import type { Category, Reason } from './types.js';

const CATEGORY: Record<Reason, Category> = {
  userunknown: 'hard',
  hostunknown: 'hard',
  hasmoved: 'hard',
  notaccept: 'hard',
  suppressed: 'hard',
  undefined: 'hard',
  onhold: 'hard',
  mailboxfull: 'soft',
  mesgtoobig: 'soft',
  exceedlimit: 'soft',
  suspend: 'soft',
  expired: 'soft',
  systemerror: 'soft',
  systemfull: 'soft',
  mailererror: 'soft',
  networkerror: 'soft',
  filtered: 'soft',
  blocked: 'blocked',
  badreputation: 'blocked',
  spamdetected: 'blocked',
  contenterror: 'blocked',
  policyviolation: 'blocked',
  securityerror: 'blocked',
  authfailure: 'blocked',
  requireptr: 'blocked',
  rejected: 'blocked',
  norelaying: 'blocked',
  notcompliantrfc: 'blocked',
  syntaxerror: 'blocked',
  toomanyconn: 'blocked',
  speeding: 'blocked',
  virusdetected: 'blocked',
  // Not in the spec's table; a TLS failure is the sending side's problem like the other blocks.
  failedstarttls: 'blocked',
};

export function categoryOf(reason: Reason): Category {
  return CATEGORY[reason];
}

const EARLY_UNKNOWN =
  /\b(recipient address rejected: access denied|not listed in (the )?(domino|public name|address book|directory)|recipient name is not recognized|invalid final delivery userid|invalid recipient)|(^\s*|mail\.local: )unknown user:|\b550[ -]requested action not taken: mailbox unavailable/im;

/**
 * Text rules, most specific first. Each pattern is written for linear-time matching (no nested
 * unbounded repetition) because diagnostic text comes from strangers.
 */
const TEXT_RULES: ReadonlyArray<readonly [Reason, RegExp]> = [
  ['userunknown', EARLY_UNKNOWN],
  ['networkerror', /\b(name server (reply|timeout)|malformed or unexpected name server|host not found, try again|temporary failure in name resolution)/i],
  ['contenterror', /\b(headers? too (large|long|many))/i],
  ['mailererror', /\b(procmail|command died with status|pipe to \|)/i],
  ['hostunknown', /\b(account or domain may not exist|domain may not exist)/i],
  ['requireptr', /\b(unverifi?y?able sending ips?|unverifiable (sender|client) ip)/i],
  ['rejected', /\b(groups\.google\.com|purported responsible address|from: domain is invalid|provide a valid from|sender address rejected|domain of sender address|unroutable sender|sender (domain|address) (does not exist|is invalid|unknown)|permission to post|not have permission to post|投稿する権限|after mail from:?\s*<[^>]{0,254}>[^:]{0,40}:\s*5\d\d (?!.{0,80}(block|spamhaus|listed|rbl)))/i],
  ['mailboxfull', /\b(mail ?box (is |was )?(full|over|exceeded|exceeds|too big)|mail ?box.{0,30}(quota|storage|size limit|limit exceeded)|over ?quota|(quota|storage|size) (exceeded|violation|limit (exceeded|reached)|full)|exceeded (his|her|its|their|the)?\s?(storage|quota|mail ?box)|quota|insufficient (disk )?(space|storage)|mail ?folder is full|(user|recipient)'?s? (mail ?box|disk|mail folder) (is )?full|not enough (storage|space|disk)|disk (is )?full|account is full|exceeds allowed size|is full|full mail ?box|mail ?box full)/i],
  ['hasmoved', /\b(has (been )?moved|address (has )?(been )?changed|is no longer (valid|in use|used|active)|no longer (at|with) (this|our)|changed (his|her|their) address|new address is|moved to a new)/i],
  ['virusdetected', /\b(virus|malware|infected|trojan|worm detected|banned (attachment|file)|dangerous attachment)/i],
  ['norelaying', /\b(relay(ing)? (access )?(denied|not (allowed|permitted))|not permitted to relay|(unable|not allowed) to relay|we do not relay|relaying (is )?(denied|prohibited|not (allowed|permitted))|not a (valid )?relay|configured to relay|insecure mail relay|open relay|no relaying|rcpthosts|relay not permitted|unauthori[sz]ed relay|relay (is )?prohibited)/i],
  ['requireptr', /\b(ip name lookup failed|ptr record|no ptr|reverse (dns|lookup|dns lookup|resolution|name)|rdns|cannot find your (host ?name|reverse)|(ip|address) (has|have) no (ptr|reverse)|client host name (is )?unknown|hostname (does not|doesn'?t) match|cannot resolve your|unresolvable (host|address|client)|(not|cannot) be resolved to a host ?name)/i],
  ['authfailure', /\b(spf (check |validation )?(fail|error|softfail|reject)|sender policy framework|spf[:, ]|dkim|dmarc|not authenticated.{0,40}(dkim|spf|sender)|authentication (checks? )?(fail|did not pass)|unauthenticated (email|mail|sender)|5\.7\.(2[3-7]|509)\b)/i],
  ['notaccept', /\b(null mx|does not accept (any |e-?)?mail|doesn'?t accept (any |e-?)?mail|not accepting (any |e-?)?mail|accepts no mail|no mail (is )?accepted|not accept(ing)? (network )?messages)/i],
  ['badreputation', /\b(deferred due to (unexpected volume|user complaints)|reputation|sender ?score|ip (address )?has a poor)/i],
  ['toomanyconn', /\b(too many (connections|concurrent|simultaneous|sessions)|connection (limit|rate) (exceeded|reached)|max(imum)? (number of )?connections)/i],
  ['speeding', /\b(rate limit|rate-limit|too many (messages|emails|mails|recipients)|sending rate|throttl|exceeded the (sending |message )?(rate|limit)|slow down|try again later.{0,40}(volume|rate))/i],
  ['blocked', /\b(my name was rejected|client host rejected|messages from \S{1,60} (weren'?t|were not|are not) (sent|accepted)|no access from mail server|block ?list|black ?list|blocked (using|by|because|for)|on (a|our|the) (dns)?bl\b|dnsbl|\brbl\b|spamhaus|spamcop|sorbs|barracuda|listed (in|on|at|by) |client host .{0,80}(rejected|blocked|refused)|connection refused by|refused to talk|(your|the sending|sending) (ip|host|server|network|mta)( address)? (is |was |has been )?(blocked|banned|blacklisted|listed|rejected|not allowed)|access denied|not allowed to (send|connect)|banned|bad (ip|host)|ip (address )?(blocked|rejected|banned)|mail (from|server) .{0,60} (is )?(blocked|rejected)|rejected (due to|because of) (the )?(ip|host|sender ip)|blocked)/i],
  ['expired', /\b(could not deliver for the last|failing for a long time|envelope expired|did not accept our requests to connect|in the queue too long|delivery (time|period) expired|retry time(out)? (exceeded|expired)|queue (life ?time|timeout) (expired|exceeded)|message expired|expired (in|after)|timed? ?out (in|while in) (the )?queue|too long in (the )?queue|(could not|couldn't|not) be(en)? delivered (for|within|in) (the last )?\d+ ?(hours?|days?)|retry (limit|period) (exceeded|reached)|retries exceeded|has not been collected after|giving up after|message has been in the queue too long|maximum (queue|retry) time|unable to deliver .{0,40} (in|for|within) \d+ (hours?|days?)|delivery attempts? (will )?(stopped|ended|expired)|mail could not be delivered .{0,20}retry period)/i],
  ['spamdetected', /\b(spam|junk ?mail|unsolicited|bulk ?mail|(looks|appears) like (spam|junk)|content (was )?(rejected|blocked|filtered)|message (is|was) (classified|identified|scored|considered) as|suspicious (content|message)|high (spam )?score|uribl|surbl|message (content )?rejected|phishing)/i],
  ['mesgtoobig', /\b(message (is |was )?too (big|large|long)|(message|mail) (size|length) (exceeds|is larger|too)|size (exceeds|limit exceeded|of the message)|exceeds? (the )?(maximum|max|fixed|allowed|size) ?(message |mail )?(size|length)?|larger than (the )?(allowed|permitted|maximum)|message size limit|too large|message length exceeds|size limit)/i],
  ['exceedlimit', /\b(exceeded (the )?(per-message|recipient) limit|too many recipients)/i],
  ['suspend', /\b(mail ?box is frozen|account that you tried to reach is inactive|account (has been |is |was )?(disabled|suspended|deactivated|inactive|expired|locked|frozen|blocked|closed|terminated|discontinued|on hold)|mail ?box (has been |is |was )?(disabled|inactive|suspended|not active|deactivated|locked|closed)|(user|recipient|address|account) (account )?(is |has been )?(disabled|suspended|inactive|locked|deactivated|terminated)|disabled or discontinued|temporarily (disabled|suspended|unavailable)|has been (disabled|suspended)|account (is )?(unavailable|not active)|is not active|deactivated|inactive (user|account|mailbox)|not an active|no longer active)/i],
  ['hostunknown', /\b(domain is not reachable|host (or domain name )?(not found|unknown)|unknown (host|domain)|domain (name )?(does not exist|doesn'?t exist|not found|unknown|is not (valid|registered))|no such (domain|host)|name or service not known|unroutea?ble( mail)? (domain|address)|dns (lookup )?(error|fail|failure)|nxdomain|no (mx|dns|a) (record|host)s?|(mx|host|domain) lookup (failed|error)|illegal host|hostname lookup fail|couldn'?t find any host|can'?t find any host|host not reachable|domain has no (mx|valid)|recipient domain .{0,30}(invalid|not exist|unknown)|bad destination (domain|host)|no route (found )?to (the )?(domain|host) for)/i],
  ['userunknown', /\b(user ?unknown|unknown user|no such (user|mail ?box|recipient|address|local user|person|account|e-?mail)|(user|mail ?box|recipient|address|account|addressee|e-?mail address|local part)( name)? (is )?(not found|unknown|does not exist|doesn'?t exist|not exist|invalid|not valid|not known|unavailable|is not recogni[sz]ed|not recogni[sz]ed)|(invalid|unknown|bad|illegal|non-?existent|nonexistent|inexistent) (recipient|mail ?box|address|user|e-?mail|local[- ]?part|destination)|addressee unknown|not listed in (the )?(domino|public name|address book|directory)|is not a valid (user|mail ?box|recipient|address)|no mail ?box here|not a (valid|known) user|undeliverable address|doesn'?t have an? .{1,60} account|recipient name is not recognized|invalid final delivery|no account by that name|does not have an account|unknown or illegal alias|email account that you tried to reach does not exist|couldn'?t be found|no valid recipients|user not found|unknown local ?part|the recipient (was not|cannot be) (found|resolved)|mailbox unavailable|not our customer|unknown recipient|no such|does not exist|not exist|doesn'?t exist|user (is )?not (listed|found|here|local)|unrouteable address|address (is )?(not found|invalid|unknown))/i],
  ['rejected', /\b(sender (address |domain )?(rejected|refused|denied|blocked|is (not allowed|banned|blocked|invalid))|(envelope )?sender.{0,30}(verif|invalid|unknown|not exist)|domain of sender|mail from .{0,80}(rejected|refused|denied)|not (a )?member|only (list )?members|you are not (allowed|authorized|permitted|subscribed)|(sender|from) (address )?(is )?not allowed|bad sender|return (address|path) (is )?(invalid|rejected)|rejected by (the )?(moderator|list)|address (is )?blocked by recipient|not accepted by the recipient|sender not authorized|unauthori[sz]ed sender|rejected your message)/i],
  ['filtered', /\b(rejected by the recipient|filtered|refused by (the )?(recipient|user)|recipient (does not|doesn'?t) (accept|want)|recipient (has )?(blocked|rejected|refused)|user refuses|denied by (the )?recipient|message (was )?rejected by (the )?(user|recipient)|delivery (is )?not (allowed|authorized|permitted) (to|for) this (user|recipient|address)|not authorized to (send|receive|mail)|mailbox (is )?restricted)/i],
  ['securityerror', /\b(smtp authentication|(tls|encryption|starttls|secure connection) (is )?(required|needed|mandatory)|must (issue|use|start) (a )?starttls|security (policy|error|reasons)|authentication required|must authenticate|certificate|not authorized|unauthori[sz]ed)/i],
  ['policyviolation', /\b(protocol violation|denied by policy|policy (violation|rejection|reasons|restrictions?)|violat(es|ed|ion) .{0,40}polic|prohibited|(not allowed|rejected|refused) (by|due to) (our |local |the )?polic|content policy|against .{0,30}policy|message (is )?not allowed|local policy)/i],
  ['syntaxerror', /\b(command parameter not implemented|syntax (error|is invalid)|command (not recognized|unrecognized|unknown)|bad sequence of commands|malformed (address|recipient|command)|incorrectly constructed|invalid (command|argument)|line too long|bad recipient address syntax|address syntax)/i],
  ['notcompliantrfc', /\b(rfc ?(2822|5322|5321|1035|2045)\b|rfc ?822 (compliant|violation)|not (rfc[- ]?)?compliant|non-?compliant|missing .{0,30}header|duplicate .{0,20}header|(header|message-id|date) (is |field )?(missing|malformed|invalid)|multiple (from|to|subject|date|message-id)|bare (lf|linefeed)|8-?bit (data|characters) (not allowed|in header))/i],
  ['contenterror', /\b(headers? too (large|long|many)|8-?bit data in (the )?(message )?header|content (error|not allowed|type (not allowed|rejected))|invalid (content|mime|message)|attachment (type )?(is )?(not allowed|rejected|blocked|prohibited)|(file|attachment) type .{0,30}(not allowed|blocked|rejected|prohibited)|message contains .{0,40}(not allowed|prohibited|invalid)|message (body|headers?) (is )?(invalid|malformed)|mime)/i],
  ['systemfull', /\b(system (is )?full|insufficient system storage|out of (disk )?space|no space left|disk full on|server (is )?full)/i],
  ['mailererror', /\b(command (died|failed|exited)|program (exited|returned|failed)|exit (code|status)|pipe to|local delivery (failed|error)|mailer (error|failure)|x-unix|command output|procmail|unknown mail transport|error in processing|delivery to (a )?(program|command)|permission denied)/i],
  ['networkerror', /\b(connection (timed out|timeout|refused|reset|lost|dropped|closed)|lost connection|timed out|no route to host|could not connect|couldn'?t connect|unable to connect|network (error|unreachable|is unreachable)|host (is )?(unreachable|down)|name server timeout|dns (timeout|temporary)|temporary failure in name resolution|failed to connect|connect to .{0,120} (failed|refused)|smtp (timeout|connection))/i],
  ['systemerror', /\b(service (currently )?unavailable|queue file write error|system error|internal (server |system )?error|local (error|configuration error|problem)|mail(er)? loop|loop(s)? (back to myself|detected)|routing loop|too many hops|hop count|server error|configuration error|i\/o error|service (is )?(not available|unavailable|temporarily unavailable)|temporary (local )?(problem|failure|error)|try again later|resources? (temporarily )?unavailable|server (busy|too busy)|unexpected error|system (problem|failure|not available)|cannot process|processing error|duplicated message-id|loop alert)/i],
];

/** Reason by RFC 3463 subject/detail (class removed), when the text said nothing specific. */
const STATUS_REASON: Record<string, Reason> = {
  '1.1': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.4': 'userunknown',
  '1.5': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.9': 'systemerror',
  '1.10': 'notaccept',
  '2.0': 'filtered',
  '2.1': 'userunknown',
  '2.2': 'mailboxfull',
  '2.3': 'mesgtoobig',
  '2.4': 'systemerror',
  '3.0': 'systemerror',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.3': 'systemerror',
  '3.4': 'mesgtoobig',
  '3.5': 'systemerror',
  '4.0': 'networkerror',
  '4.1': 'networkerror',
  '4.2': 'networkerror',
  '4.3': 'systemerror',
  '4.4': 'hostunknown',
  '4.5': 'networkerror',
  '4.6': 'networkerror',
  '4.7': 'expired',
  '5.0': 'syntaxerror',
  '5.1': 'syntaxerror',
  '5.2': 'syntaxerror',
  '5.3': 'exceedlimit',
  '5.4': 'syntaxerror',
  '5.5': 'syntaxerror',
  '6.0': 'contenterror',
  '6.1': 'contenterror',
  '6.2': 'contenterror',
  '6.3': 'contenterror',
  '6.4': 'contenterror',
  '6.5': 'contenterror',
  '7.0': 'securityerror',
  '7.1': 'rejected',
  '7.2': 'securityerror',
  '7.3': 'securityerror',
  '7.4': 'securityerror',
  '7.5': 'securityerror',
  '7.6': 'securityerror',
  '7.7': 'securityerror',
  '7.8': 'authfailure',
  '7.9': 'policyviolation',
  '7.10': 'securityerror',
  '7.11': 'securityerror',
  '7.13': 'suspend',
  '7.14': 'securityerror',
  '7.15': 'securityerror',
  '7.17': 'hasmoved',
  '7.18': 'suspend',
  '7.19': 'suspend',
  '7.20': 'authfailure',
  '7.21': 'authfailure',
  '7.22': 'authfailure',
  '7.23': 'authfailure',
  '7.24': 'authfailure',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
  '7.27': 'notaccept',
  '7.28': 'spamdetected',
  '7.509': 'authfailure',
};

/**
 * Statuses whose meaning is exact enough to win over text rules: the text around a 5.2.2 often
 * also says "user" or "rejected", but the code says "full".
 */
const DECISIVE_STATUS = new Set(['1.1', '1.2', '1.6', '1.10', '2.2', '3.4', '7.13', '7.25', '7.26', '7.509']);

const SUBJECT_REASON: Record<string, Reason> = {
  '2': 'filtered',
  '3': 'systemerror',
  '4': 'networkerror',
  '5': 'syntaxerror',
  '6': 'contenterror',
  '7': 'securityerror',
};

const GENERIC_TEXT = new Set<Reason>(['userunknown', 'filtered', 'rejected', 'securityerror', 'systemerror', 'policyviolation']);

/** Statuses that name the failure exactly, whatever the text around them says. */
const EXACT_STATUS = new Set(['1.10', '7.13', '7.23', '7.24', '7.25', '7.26', '7.27', '7.509']);

/** The refusal came in answer to RCPT (SMTP dialogue wording, not an echo of the envelope). */
const RCPT_TIME = /(in reply to rcpt|rcpt to response|after rcpt|>>> ?rcpt|smtp:rcpt|rcpt to command|rcpt-to validation)/i;
const RCPT_WORDING = /(does not like recipient|recipient address rejected)/i;

/** Phrases only a directory lookup says; these stay "userunknown" whatever the status. */
function explicitUnknown(texts: string[]): boolean {
  return texts.some((t) => EARLY_UNKNOWN.test(t));
}


const AFTER_DATA = /(after end of data|after data\b|in reply to (end of )?data( command)?|smtp command:? data|>>> data)/i;

export const STATUS_RE = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** The first RFC 3463 status in a text, e.g. "5.1.1". */
export function statusIn(text: string): string | null {
  const m = STATUS_RE.exec(text);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}

/** The first SMTP reply code in a text (a 3-digit 4xx/5xx at a word start), e.g. "550". */
export function replyCodeIn(text: string): string | null {
  const m = /(?:^|[\s:(\-"'])([45][0-5][0-9])(?=[\s\-:.,)]|$)/m.exec(text);
  return m ? m[1] : null;
}

// Matching lower-cased text without the i flag is markedly faster in V8; the rules are written in lower case.
const LOWER_RULES: ReadonlyArray<readonly [Reason, RegExp]> = TEXT_RULES.map(([r, re]) => [r, new RegExp(re.source, re.flags.replace('i', ''))]);

export function reasonFromText(text: string): Reason | null {
  if (!text) return null;
  // Folded diagnostics break phrases across lines: match on single-spaced text.
  const t = (text.length > 4000 ? text.slice(0, 4000) : text).replace(/\s+/g, ' ').toLowerCase();
  for (const [reason, re] of LOWER_RULES) if (re.test(t)) return reason;
  return null;
}

export interface ReasonInput {
  status: string | null;
  /** Texts about the failure, most specific first (the SMTP diagnostic, then the notice lines). */
  texts: string[];
  /** True when the message reports a final failure (not a delay). */
  final: boolean;
}

export interface ReasonResult {
  reason: Reason;
  category: Category;
  status: string | null;
}

export function detectReason(input: ReasonInput): ReasonResult {
  const texts = input.texts.filter((t) => t && t.trim() !== '');
  let status = input.status ? statusIn(input.status) : null;
  // A generic report status (5.0.0) yields to a precise one in the SMTP diagnostic of the same class.
  if (status && status.endsWith('.0.0') && texts.length > 0) {
    const precise = statusIn(texts[0]);
    if (precise && precise[0] === status[0] && !precise.endsWith('.0.0')) status = precise;
  }
  for (let i = 0; !status && i < texts.length; i++) status = statusIn(texts[i]);
  if (status && status.startsWith('2.')) status = null;
  const detail = status ? status.slice(2) : null;
  const statusReason: Reason | null = detail ? (STATUS_REASON[detail] ?? SUBJECT_REASON[detail.split('.')[0]] ?? null) : null;
  // The first text (the SMTP diagnostic) outranks the status code, which outranks the notice prose.
  let textReason: Reason | null = texts.length > 0 ? reasonFromText(texts[0]) : null;
  for (let i = 1; !textReason && !statusReason && i < texts.length; i++) textReason = reasonFromText(texts[i]);
  let reason: Reason | null = textReason ?? statusReason;
  // A precise status beats a generic phrase ("Recipient address rejected: ... 5.2.2 mailbox full").
  if (textReason && statusReason && detail && DECISIVE_STATUS.has(detail) && GENERIC_TEXT.has(textReason)) reason = statusReason;
  if (statusReason && detail && EXACT_STATUS.has(detail)) reason = statusReason;
  // Sisimai's convention, which the reason vocabulary follows: "user unknown" in prose counts as
  // an unknown user only when the status says so (X.1.x) or the refusal came at RCPT time;
  // otherwise (after DATA, or a generic 5.0.0/5.7.1) it is a filter's verdict.
  if (reason === 'userunknown' && textReason === 'userunknown' && !explicitUnknown(texts) && !(detail && /^1\.([1-9]|\d{2,3})$/.test(detail))) {
    // The most specific text that says when the refusal came decides.
    // An SMTP dialogue marker (">>> DATA", "in reply to RCPT TO") outweighs reply wording that only
    // usually comes at RCPT time ("Recipient address rejected").
    const telling = texts.find((t) => RCPT_TIME.test(t) || AFTER_DATA.test(t)) ?? texts.find((t) => RCPT_WORDING.test(t));
    if (!telling || AFTER_DATA.test(telling)) reason = 'filtered';
  }
  if (!reason) {
    let code: string | null = null;
    for (let i = 0; !code && i < texts.length; i++) code = replyCodeIn(texts[i]);
    if (code === '552') reason = 'mailboxfull';
    else if (code === '550' || code === '553' || code === '551') reason = 'userunknown';
    else if (code === '421' || code === '451') reason = 'systemerror';
    else if (code === '452') reason = 'mailboxfull';
    if (code && !status && code.startsWith('4')) status = null;
  }
  if (!reason) reason = 'undefined';
  let category = CATEGORY[reason];
  // A temporary (4.x.x) status in a final failure means the sender gave up retrying: soft.
  if (input.final && status && status.startsWith('4.') && category === 'hard') {
    reason = 'expired';
    category = 'soft';
  }
  return { reason, category, status };
}
