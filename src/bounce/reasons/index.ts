// The reason registry: which reason a failure has, from its RFC 3463 status, its SMTP reply code, the
// command it answered and its text, and the category the specification (bounce-policy.md §1) gives
// that reason. Each reason's own knowledge (statuses, codes, phrases) is in its file; the few rules
// that choose between reasons are here, written once.

import { commandIn, replyCodeIn, replyStatusIn, statusIn, type SmtpCommand } from '../smtp.js';
import type { Category, Reason } from '../types.js';
import { authfailure } from './authfailure.js';
import { badreputation } from './badreputation.js';
import { blocked } from './blocked.js';
import { contenterror } from './contenterror.js';
import { exceedlimit } from './exceedlimit.js';
import { expired } from './expired.js';
import { failedstarttls } from './failedstarttls.js';
import { filtered } from './filtered.js';
import { hasmoved } from './hasmoved.js';
import { hostunknown } from './hostunknown.js';
import { mailboxfull } from './mailboxfull.js';
import { mailererror } from './mailererror.js';
import { mesgtoobig } from './mesgtoobig.js';
import { networkerror } from './networkerror.js';
import { norelaying } from './norelaying.js';
import { notaccept } from './notaccept.js';
import { notcompliantrfc } from './notcompliantrfc.js';
import { onhold } from './onhold.js';
import { policyviolation } from './policyviolation.js';
import { rejected } from './rejected.js';
import { requireptr } from './requireptr.js';
import { securityerror } from './securityerror.js';
import { spamdetected } from './spamdetected.js';
import { speeding } from './speeding.js';
import { suppressed } from './suppressed.js';
import { suspend } from './suspend.js';
import { syntaxerror } from './syntaxerror.js';
import { systemerror } from './systemerror.js';
import { systemfull } from './systemfull.js';
import { toomanyconn } from './toomanyconn.js';
import type { ReasonRule } from './types.js';
import { undefinedReason } from './undefined.js';
import { userunknown } from './userunknown.js';
import { virusdetected } from './virusdetected.js';

export { commandIn, replyCodeIn, statusIn } from '../smtp.js';

/**
 * The order in which phrases are tried; the first reason whose phrase is in the text wins. Why this
 * order:
 * - an ESP's own suppression first: it says the sender did not even try;
 * - mailbox states (full, too big, disabled, moved) next: their wording is specific, and the same
 *   reply often also says "rejected" or names the user;
 * - refusals of the sending side that name their cause (relaying, SPF/DKIM/DMARC, PTR, reputation,
 *   RFC 5322, the envelope sender) before the unknown-user wording, because they often also carry
 *   "recipient address rejected" or "does not exist" about something else than the mailbox;
 * - unknown user before unknown host, as both can appear and the mailbox is the finer fact;
 * - content verdicts (spam, virus, form) before the generic block wording, which they often contain;
 * - the temporary and system-side reasons last: their words ("try again later", "timed out") also
 *   appear as an afterthought in more specific replies; "expired" after the network and system
 *   faults, since a notice that gave up often says both why it kept failing and that it gave up.
 */
const ORDER: readonly ReasonRule[] = [
  suppressed,
  mailboxfull,
  mesgtoobig,
  exceedlimit,
  suspend,
  hasmoved,
  norelaying,
  notcompliantrfc,
  authfailure,
  requireptr,
  badreputation,
  rejected,
  filtered,
  userunknown,
  hostunknown,
  notaccept,
  virusdetected,
  spamdetected,
  contenterror,
  speeding,
  toomanyconn,
  blocked,
  policyviolation,
  failedstarttls,
  securityerror,
  systemfull,
  mailererror,
  networkerror,
  systemerror,
  expired,
  syntaxerror,
];

const ALL: readonly ReasonRule[] = [...ORDER, undefinedReason, onhold];

const BY_NAME = new Map<Reason, ReasonRule>(ALL.map((r) => [r.reason, r]));

export function categoryOf(reason: Reason): Category {
  return BY_NAME.get(reason)?.category ?? 'hard';
}

/** Every reason with its rule, for tests and documentation. */
export function reasonRules(): readonly ReasonRule[] {
  return ALL;
}

// Status tables built from the reason files: full statuses ("4.4.1") and class-less ones ("2.2").
const DECISIVE = new Map<string, Reason>();
const DEFAULT = new Map<string, Reason>();
const REPLY = new Map<string, Reason>();
for (const r of ORDER) {
  for (const s of r.decisive ?? []) DECISIVE.set(s, r.reason);
  for (const s of r.statuses ?? []) DEFAULT.set(s, r.reason);
  for (const c of r.replyCodes ?? []) REPLY.set(c, r.reason);
}

function lookup(table: Map<string, Reason>, status: string): Reason | null {
  return table.get(status) ?? table.get(status.slice(2)) ?? null;
}

/**
 * Reasons that only a message's content can earn. A refusal that came before DATA (at connection,
 * HELO, MAIL or RCPT) cannot be a verdict on a content the server had not seen yet.
 */
const CONTENT: ReadonlySet<Reason> = new Set<Reason>(['spamdetected', 'virusdetected', 'filtered']);

const BEFORE_DATA: ReadonlySet<SmtpCommand> = new Set<SmtpCommand>(['CONN', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT']);

/** Refusals that name the sending side explicitly: they win over any status (see detectReason). */
const SENDER_SIDE: ReadonlySet<Reason> = new Set<Reason>(['blocked', 'norelaying', 'speeding', 'toomanyconn', 'badreputation', 'requireptr', 'authfailure']);

/** Reasons about the mailbox itself or its owner's own rules. */
const MAILBOX: ReadonlySet<Reason> = new Set<Reason>(['userunknown', 'mailboxfull', 'suspend', 'hasmoved', 'hostunknown', 'filtered']);

/** The receiving system's own trouble: a reason that can answer any command. */
const SYSTEM_SIDE: ReadonlySet<Reason> = new Set<Reason>(['systemerror', 'systemfull', 'networkerror', 'mesgtoobig', 'exceedlimit', 'expired', 'failedstarttls']);

/** Lower-case, single-spaced: folded diagnostics break phrases across lines. */
function flatten(text: string): string {
  return (
    (text.length > 4000 ? text.slice(0, 4000) : text)
      // Multi-line SMTP replies repeat "550-5.7.1 " on every line; inside the text it breaks phrases.
      .replace(/(?<=\S)\s+[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}\s)?/g, ' ')
      .replace(/\s+/g, ' ')
      .toLowerCase()
  );
}

const escape = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * All rules' literal phrases compiled once into one pattern of alternatives, in ORDER: one scan of
 * the text finds every phrase present (V8 scans for a set of literals far faster than a loop of
 * includes() per phrase). At a given position the first alternative that matches belongs to the
 * highest-ranked rule, so keeping the best-ranked match over the whole scan gives the same answer as
 * trying the rules one by one. The phrase lists stay plain strings in the reason files.
 */
interface Scanner {
  re: RegExp;
  rank: Map<string, number>;
}

function scanner(rules: readonly ReasonRule[], list: (r: ReasonRule) => readonly string[] | undefined): Scanner | null {
  const rank = new Map<string, number>();
  const phrases: string[] = [];
  rules.forEach((r, i) => {
    for (const p of list(r) ?? []) {
      if (rank.has(p)) continue;
      rank.set(p, i);
      phrases.push(p);
    }
  });
  return phrases.length > 0 ? { re: new RegExp(phrases.map(escape).join('|'), 'g'), rank } : null;
}

/** The best (lowest) rank of a phrase in the text, or Infinity. */
function bestRank(sc: Scanner | null, t: string): number {
  if (!sc) return Infinity;
  let best = Infinity;
  sc.re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = sc.re.exec(t)) !== null) {
    const r = sc.rank.get(m[0]) ?? Infinity;
    if (r < best) best = r;
    if (best === 0) break;
    sc.re.lastIndex = m.index + 1;
  }
  return best;
}

// Before DATA the content verdicts are left out of the scan (see CONTENT).
const NOT_CONTENT = ORDER.filter((r) => !CONTENT.has(r.reason));
const SCAN = { all: scanner(ORDER, (r) => r.phrases), early: scanner(NOT_CONTENT, (r) => r.phrases) };
const WEAK = scanner(ORDER, (r) => r.weak);

interface TextMatch {
  reason: Reason;
  /** Matched only a generic wording (a rule's `weak` phrases). */
  weak: boolean;
}

function textMatch(text: string, command: SmtpCommand | null): TextMatch | null {
  if (!text) return null;
  const t = flatten(text);
  const early = command !== null && BEFORE_DATA.has(command);
  const rules = early ? NOT_CONTENT : ORDER;
  let best = bestRank(early ? SCAN.early : SCAN.all, t);
  // The few patterns are tried only for rules ranked above the best phrase found.
  for (let i = 0; i < rules.length && i < best; i++) {
    const patterns = rules[i].patterns;
    if (patterns && patterns.some((re) => re.test(t))) best = i;
  }
  if (best < rules.length) return { reason: rules[best].reason, weak: false };
  const weak = bestRank(WEAK, t);
  return weak < ORDER.length ? { reason: ORDER[weak].reason, weak: true } : null;
}

/** A provider error code that names the reason exactly, in the reply or the notice. */
function exactCode(texts: string[]): Reason | null {
  for (const t of texts) {
    const lc = t.slice(0, 4000).toLowerCase();
    for (const r of EXACT) if (r.exact!.some((re) => re.test(lc))) return r.reason;
  }
  return null;
}

const EXACT = ORDER.filter((r) => r.exact && r.exact.length > 0);

/** The reason a text names, or null. `command` excludes the content verdicts before DATA. */
export function reasonFromText(text: string, command: SmtpCommand | null = null): Reason | null {
  return textMatch(text, command)?.reason ?? null;
}

export interface ReasonInput {
  /** RFC 3463 status from the report (Status: field), when there is one. */
  status: string | null;
  /** Texts about the failure, most specific first: the SMTP reply or diagnostic, then the notice's lines about it. */
  texts: string[];
  /** True when the message reports a final failure (not a delay). */
  final: boolean;
  replyCode?: string | null;
  /** The SMTP command the failure answered, when the format knows it. */
  command?: SmtpCommand | null;
  /** A reason the notice's structured fields name outright (e.g. an ESP's bounce sub-type). */
  hint?: Reason | null;
}

export interface ReasonResult {
  reason: Reason;
  category: Category;
  status: string | null;
}

/**
 * Picks the status. The remote server's own status in its reply is more precise than the report's
 * Status field, which the reporting MTA often fills with a default (5.0.0, or 5.1.1 for any RCPT
 * refusal). When the two disagree on the class, the report's class stands (the reporting MTA decided
 * the failure was final), unless the report's status is the bare default X.0.0: Exim reports 5.0.0
 * for every failure, also when the remote only ever said 421 and Exim gave up retrying.
 */
function pickStatus(reported: string | null, texts: string[]): string | null {
  const report = reported ? statusIn(reported) : null;
  const reply = texts.length > 0 ? replyStatusIn(texts[0]) : null;
  let status = report;
  if (reply && !reply.endsWith('.0.0') && (!report || reply[0] === report[0] || report.endsWith('.0.0'))) status = reply;
  for (let i = 1; !status && i < texts.length; i++) status = statusIn(texts[i]);
  return status && status.startsWith('2.') ? null : status;
}

/**
 * Was the failure temporary? The status class is the reporting MTA's verdict; the reply code decides
 * where there is no status, or only the bare default 5.0.0 of an MTA that gave up after 4xx replies (Exim).
 */
function isTemporary(status: string | null, code: string | null): boolean {
  if (status && !status.endsWith('.0.0')) return status.startsWith('4.');
  return Boolean(status?.startsWith('4.') || code?.startsWith('4'));
}

/** Statuses that only say which class of problem it is: text refines them (bounce-policy.md §1). */
function isGeneric(status: string | null): boolean {
  return status === null || status.endsWith('.0') || status.endsWith('.2.1');
}

export function detectReason(input: ReasonInput): ReasonResult {
  const texts = input.texts.filter((t) => t && t.trim() !== '');
  const status = pickStatus(input.status, texts);
  let code = input.replyCode ?? null;
  for (let i = 0; !code && i < texts.length; i++) code = replyCodeIn(texts[i]);
  let command = input.command ?? null;
  for (let i = 0; !command && i < texts.length; i++) command = commandIn(texts[i]);

  const diagnostic = texts.length > 0 ? textMatch(texts[0], command) : null;
  const byText = diagnostic?.reason ?? null;
  // Generic wordings ("address rejected") count after the status, strong phrases before it.
  const byStrongText = diagnostic && !diagnostic.weak ? diagnostic.reason : null;
  // The notice's prose about the recipient, read only when the reply itself did not decide.
  let contextRead = false;
  let contextReason: Reason | null = null;
  const context = (): Reason | null => {
    if (!contextRead) {
      contextRead = true;
      for (let i = 1; !contextReason && i < texts.length; i++) contextReason = reasonFromText(texts[i].slice(0, 1500), command);
    }
    return contextReason;
  };
  // A status decides only when the receiving server gave it. When its reply had none ("550 Message was
  // not accepted … account is disabled"), the report's status is the reporting MTA's own mapping of
  // the reply code (Sendmail writes 5.1.1 for any 550 to RCPT), and the reply's words come first.
  const ownStatus = texts.length === 0 || statusIn(texts[0]) !== null || replyCodeIn(texts[0]) === null;
  const decisive = status && ownStatus ? lookup(DECISIVE, status) : null;
  const byStatus = status ? (decisive ?? lookup(DECISIVE, status) ?? lookup(DEFAULT, status)) : null;
  const byCode = code ? (REPLY.get(code) ?? null) : null;
  const temporary = isTemporary(status, code);

  let reason: Reason | null = input.hint ?? exactCode(texts);
  if (!reason && decisive) {
    // A status that names the failure decides it. Only a reply that names a refusal of the sending
    // side (its IP on a blocklist, its rate, relaying) overrides it: servers attach their default RCPT
    // status to such refusals, and the blocked category exists so that a refusal of us never counts
    // against the member.
    reason = byText !== null && SENDER_SIDE.has(byText) ? byText : decisive;
  } else if (!reason && status && status.split('.')[1] === '7' && (!byStatus || categoryOf(byStatus) === 'blocked')) {
    // X.7.x is the security and policy class: the server refused the sender, not the mailbox. Text
    // picks which refusal; wording about the user there describes the refusal, not a dead address.
    // X.7.0 and X.7.1 are the class's "other" and "not authorized": a reply that plainly says the
    // mailbox is unknown, full, disabled or filtering by its owner's rules is about the mailbox.
    const refined = byText ?? context();
    const plain = diagnostic !== null && !diagnostic.weak && MAILBOX.has(diagnostic.reason) && (status?.endsWith('.7.0') || status?.endsWith('.7.1'));
    // A deferral that asks to try later (greylisting) is no refusal at all: `expired` when it outlasts the queue.
    const deferral = refined === 'expired' && temporary;
    reason = plain ? diagnostic.reason : refined && (categoryOf(refined) === 'blocked' || deferral) ? refined : (byStatus ?? 'blocked');
  } else if (!reason) {
    // Text refines a generic status; the notice's own prose counts only where the status says nothing precise.
    reason = byStrongText ?? (isGeneric(status) ? context() : null) ?? byStatus ?? byText ?? context() ?? byCode;
  }

  // An unknown-user refusal answered to DATA comes from a filter that read the message: the mailbox
  // was accepted at RCPT time (Sisimai's convention, kept by the specification). Not when the status
  // itself says X.1.x: that is the server's own word that the mailbox is unknown.
  if (reason === 'userunknown' && command === 'DATA' && !decisive) reason = 'filtered';

  // A refusal before RCPT is about the sending side, never the mailbox: at the connection or HELO it
  // refuses our host, at MAIL FROM our envelope sender (RFC 5321 §3.3). Only the receiving system's
  // own trouble (load, storage, size, network) keeps its reason there.
  if (command === 'MAIL' || command === 'CONN' || command === 'HELO') {
    const theirs = reason !== null && SYSTEM_SIDE.has(reason) && (reason !== 'expired' || temporary);
    if (!reason || (categoryOf(reason) !== 'blocked' && !theirs)) reason = command === 'MAIL' ? 'rejected' : 'blocked';
  }

  // A delay that names no cause is a delivery not completed in time: Sisimai's convention for delays.
  if (!reason) reason = !input.final ? 'expired' : texts.length > 0 ? 'onhold' : 'undefined';

  let category = categoryOf(reason);
  // A temporary (4.x.x / 4xx) failure that became final means the sender stopped retrying: soft,
  // "expired" unless the text names a more specific soft reason (bounce-policy.md §1): nothing permanent
  // was said about the address. A temporary refusal of the sending side (a blocklist, a rate limit, our
  // reputation) that outlasted the queue stays blocked: it is still not the member's fault, which is
  // why the blocked category exists.
  if (input.final && temporary && category === 'hard') {
    reason = 'expired';
    category = 'soft';
  }
  return { reason, category, status };
}
