// One generator run for one MTA: start the scripted sinks, start the MTA, send one message per case (and the
// multi-recipient ones), collect the notices the MTA returns, and label each from what was scripted and when it
// arrived (before the warning time: an immediate failure; between warning and give-up time: a delay warning; after:
// the failure of a message the MTA gave up on). Nothing of the notice is interpreted beyond "which of the message's
// recipients does it name".
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Category, Reason } from '../../src/bounce/types.js';
import { encodeVerp, trackingValue, TRACKING_HEADER } from '../../src/bounce/verp.js';
import { buildMessage, listIdHeader, unsubscribeHeaders } from '../../src/sending/message.js';
import { makeDir, storedNotices, type MtaInstance, type MtaName, type MtaOptions, type MtaRoute, type MtaTiming, type TlsPolicy } from '../../test/env/mta/common.js';
import { freePort, sleep } from '../../test/env/services.js';
import { startSink, type RcptDecision, type Sink, type SinkOptions } from '../../test/env/sink.js';
import { caseCatalogue, MULTI, type CaseDef, type ScriptedReply } from './cases.js';

export const BOUNCE_DOMAIN = 'lists.example.test';
export const MTA_HOST_NAME = 'mail.lists.example.test';
const SECRET = 'fixture-secret-not-a-real-key';
const SENDER_IP = '127.0.0.1';

export interface LabelRecipient {
  address: string;
  alt: string[];
  status: string | null;
  replycode: string | null;
  reason: Reason;
  /** The spec's category for the reason (`soft` for a delay). */
  category: Category;
  hard: boolean;
  permanent: boolean;
}

export interface Label {
  file: string;
  sha256: string;
  set: MtaName;
  kind: 'bounce' | 'delay';
  is_bounce: true;
  mta: MtaName;
  mta_version: string;
  case: string;
  recipients: LabelRecipient[];
  label_source: string[];
  note: string;
}

export interface Fixture {
  name: string;
  raw: Buffer;
  label: Label;
}

export interface RunResult {
  fixtures: Fixture[];
  /** Expected notices that never came, notices nobody expected, and the like: printed, never labelled. */
  problems: string[];
  version: string;
}

type Outcome = 'now' | 'later' | 'delay-only' | 'accepted';
type Phase = 'now' | 'delay' | 'final';

interface Recipient {
  address: string;
  def: CaseDef | null;
  outcome: Outcome;
}

interface Sent {
  id: string;
  sender: string;
  recipients: Recipient[];
  sentAt: number;
  token: string;
}

// Sisimai's hardbounce verdict (shared/bounce-corpus/README.md "Hard / soft").
const SISIMAI_HARD: Reason[] = ['userunknown', 'hostunknown', 'hasmoved', 'notaccept'];

// The spec's category table (shared/docs/bounce-policy.md section 1), written out here rather than taken from
// src/bounce: the labels must not depend on the classifier they judge.
const SOFT: Reason[] = ['mailboxfull', 'mesgtoobig', 'exceedlimit', 'suspend', 'expired', 'systemerror', 'systemfull', 'mailererror', 'networkerror', 'filtered'];
const BLOCKED: Reason[] = [
  'blocked', 'badreputation', 'spamdetected', 'contenterror', 'policyviolation', 'securityerror', 'authfailure', 'requireptr',
  'rejected', 'norelaying', 'notcompliantrfc', 'syntaxerror', 'toomanyconn', 'speeding', 'virusdetected', 'failedstarttls',
];
const categoryOf = (reason: Reason): Category => (SOFT.includes(reason) ? 'soft' : BLOCKED.includes(reason) ? 'blocked' : 'hard');

const NAMES = ['maria', 'jonas', 'aiko', 'pedro', 'lena', 'omar', 'sofia', 'li', 'noah', 'emma', 'yusuf', 'ines', 'kofi', 'anna', 'ravi'];
const MULTI_LISTS = ['news', 'events', 'board', 'alumni', 'team', 'digest'];

function outcomeOf(def: CaseDef, mta: MtaName): Outcome {
  const b = def.behaviour;
  if (def.temporaryFor?.includes(mta)) return 'later';
  if (b.kind === 'nxdomain' || b.kind === 'size') return 'now';
  if (b.kind === 'refused' || b.kind === 'tls') return 'later';
  if (b.reply.code >= 500) return 'now';
  return b.acceptAfterSeconds === undefined ? 'later' : 'delay-only';
}

/** A token like the ones providers append to their replies (Gmail: "d75a77b69052e-4b1a2c3d4e5si12345qtb.12"). */
function providerToken(): string {
  const n = randomBytes(8).readUInt32BE(0);
  return `${randomBytes(7).toString('hex').slice(0, 13)}-${randomBytes(5).toString('hex')}si${String(n).slice(0, 7)}qtb.${n % 1000}`;
}

function fill(text: string, vars: { rcpt: string; from: string; id: string }): string {
  return text.replace(/\{rcpt\}/g, vars.rcpt).replace(/\{from\}/g, vars.from).replace(/\{ip\}/g, SENDER_IP).replace(/\{id\}/g, vars.id);
}

function statusOf(reply: ScriptedReply): string | null {
  return /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.lines[0] ?? '')?.[1] ?? null;
}

/** Sinks that need a connection of their own: whatever they answer applies to the whole session or host. */
function needsOwnSink(def: CaseDef): boolean {
  const b = def.behaviour;
  if (b.kind === 'tls' || b.kind === 'size') return true;
  if (b.kind !== 'reply') return false;
  // A 421 closes the connection, and some MTAs then hold back every message for that host: keep it apart.
  return b.phase === 'connect' || b.phase === 'mail' || b.reply.code === 421;
}

export interface RunOptions {
  mta: MtaName;
  start: (opts: MtaOptions) => Promise<MtaInstance>;
  timing: MtaTiming;
  /** Seconds after the first refusal at which "later accepted" cases are accepted (between warning and give-up). */
  acceptAfterSeconds: number;
  /**
   * Send the messages with temporarily refused recipients as the app's notices (no Precedence, Auto-Submitted)
   * instead of list posts (Precedence: bulk): Sendmail sends no delay warning for negative precedence.
   */
  temporaryAsNotices?: boolean;
  /** Said in the label of every final notice (after the give-up time), e.g. how this MTA words it. */
  finalNote?: string;
  keep: boolean;
  log: (line: string) => void;
}

export async function runMta(o: RunOptions): Promise<RunResult> {
  const problems: string[] = [];
  const root = await mkdtemp(path.join(os.tmpdir(), `mta-fixtures-${o.mta}-`));
  makeDir(root);
  const maildirRoot = makeDir(path.join(root, 'mail'));
  chownSync(maildirRoot, 65534, 65534);
  const cases = caseCatalogue(o.acceptAfterSeconds).filter((c) => !c.only || c.only.includes(o.mta));
  const byId = new Map(cases.map((c) => [c.id, c]));

  // ---------- recipients and messages ----------
  let serial = 0;
  const newAddress = (domain: string): string => {
    serial++;
    return `${NAMES[serial % NAMES.length]}.${String.fromCharCode(97 + (serial % 26))}${100 + serial}@${domain}`;
  };
  const sent: Sent[] = [];
  const caseOf = new Map<string, CaseDef>();
  for (const def of cases) {
    const address = newAddress(def.domain);
    caseOf.set(address, def);
    const sender = encodeVerp('dev', { address, memberId: serial }, { bounceDomain: BOUNCE_DOMAIN, secret: SECRET });
    sent.push({ id: def.id, sender, recipients: [{ address, def, outcome: outcomeOf(def, o.mta) }], sentAt: 0, token: providerToken() });
  }
  MULTI.forEach((m, i) => {
    const recipients: Recipient[] = [];
    for (const id of m.cases) {
      const def = byId.get(id);
      if (!def) throw new Error(`${m.id}: no case ${id}`);
      const address = newAddress(def.domain);
      caseOf.set(address, def);
      recipients.push({ address, def, outcome: outcomeOf(def, o.mta) });
    }
    for (let k = 0; k < m.accepted; k++) recipients.push({ address: newAddress('isp-f.example'), def: null, outcome: 'accepted' });
    sent.push({ id: m.id, sender: `${MULTI_LISTS[i % MULTI_LISTS.length]}-bounces@${BOUNCE_DOMAIN}`, recipients, sentAt: 0, token: providerToken() });
  });
  const messageOfAddress = new Map<string, Sent>();
  for (const s of sent) for (const r of s.recipients) messageOfAddress.set(r.address, s);

  // ---------- the scripted servers ----------
  const firstSeen = new Map<string, number>();
  const elapsed = (address: string): number => {
    const now = Date.now();
    if (!firstSeen.has(address)) firstSeen.set(address, now);
    return (now - (firstSeen.get(address) ?? now)) / 1000;
  };
  const answer = (def: CaseDef, address: string, from: string): RcptDecision => {
    const b = def.behaviour;
    if (b.kind !== 'reply') return 'accept';
    if (b.acceptAfterSeconds !== undefined && elapsed(address) >= b.acceptAfterSeconds) return 'accept';
    elapsed(address);
    const vars = { rcpt: address, from, id: messageOfAddress.get(address)?.token ?? '' };
    const lines = b.reply.lines.map((l) => fill(l, vars));
    return { code: b.reply.code, message: lines.length === 1 ? lines[0] : lines };
  };
  const phaseIs = (def: CaseDef | undefined, phase: string): def is CaseDef =>
    def !== undefined && def.behaviour.kind === 'reply' && def.behaviour.phase === phase;

  // Every scripted server listens on its own loopback address (127.0.0.10, .11, ...: a 421 or a refused connection
  // then holds back only that "host" in the MTAs' retry bookkeeping) and all on one port, as MX hosts all use 25
  // (Sendmail needs a mailer per port).
  let hostIndex = 10;
  const nextHost = (): string => `127.0.0.${hostIndex++}`;
  const specs: Array<{ domains: string[]; options: SinkOptions; tls: TlsPolicy }> = [];
  const routes: MtaRoute[] = [];
  const mainDomains = new Set<string>(['isp-f.example']);
  const ownDomains = new Set<string>();
  const main: SinkOptions = {
    host: nextHost(),
    name: 'mx.example',
    decide: (address, ctx) => {
      const def = caseOf.get(address.toLowerCase());
      return phaseIs(def, 'rcpt') ? answer(def, address.toLowerCase(), ctx.mailFrom) : 'accept';
    },
    decideData: ({ mailFrom, rcptTo }) => {
      for (const a of rcptTo) {
        const def = caseOf.get(a.toLowerCase());
        if (phaseIs(def, 'data')) return answer(def, a.toLowerCase(), mailFrom);
      }
      return 'accept';
    },
  };
  specs.push({ domains: [], options: main, tls: 'none' });
  const refused: Array<{ domain: string; host: string }> = [];
  for (const def of cases) {
    const b = def.behaviour;
    if (b.kind === 'nxdomain') continue;
    if (!needsOwnSink(def) && b.kind !== 'refused') {
      mainDomains.add(def.domain);
      continue;
    }
    if (ownDomains.has(def.domain)) throw new Error(`case ${def.id}: domain ${def.domain} already has its own sink`);
    ownDomains.add(def.domain);
    if (b.kind === 'refused') {
      refused.push({ domain: def.domain, host: nextHost() });
      continue;
    }
    const opts: SinkOptions = { host: nextHost(), name: `mx.${def.domain}` };
    if (b.kind === 'tls') opts.starttls = b.policy === 'verify';
    else if (b.kind === 'size') opts.size = b.limit;
    else {
      // Single-recipient messages only reach these: the recipient is the one the VERP sender names.
      const rcptOf = (from: string): string => sent.find((s) => s.sender === from.toLowerCase())?.recipients[0]?.address ?? '';
      if (b.phase === 'connect') {
        const address = sent.find((s) => s.recipients[0]?.def === def)?.recipients[0]?.address ?? '';
        opts.refuseConnection = answer(def, address, '') as { code: number; message: string | string[] };
      } else if (b.phase === 'mail') {
        opts.starttls = b.reply.code === 530;
        opts.decideMail = (from, ctx) => (b.reply.code === 530 && ctx.secure ? 'accept' : answer(def, rcptOf(from), from));
      } else if (b.phase === 'rcpt') opts.decide = (address, ctx) => answer(def, address.toLowerCase(), ctx.mailFrom);
      else opts.decideData = ({ mailFrom, rcptTo }) => answer(def, (rcptTo[0] ?? '').toLowerCase(), mailFrom);
    }
    specs.push({ domains: [def.domain], options: opts, tls: b.kind === 'tls' ? b.policy : 'none' });
  }
  for (const d of mainDomains) if (ownDomains.has(d)) throw new Error(`domain ${d} is used both by a case with its own sink and by others`);
  specs[0].domains = [...mainDomains];
  const sinks: Sink[] = [];
  let port = 0;
  for (let attempt = 1; sinks.length < specs.length; attempt++) {
    port = await freePort();
    try {
      for (const spec of specs) sinks.push(await startSink({ ...spec.options, port }));
    } catch (err) {
      // Someone else has that port on one of the addresses: try another.
      await Promise.all(sinks.splice(0).map((x) => x.close()));
      if (attempt >= 5) throw err;
    }
  }
  specs.forEach((spec) => {
    for (const domain of spec.domains) routes.push({ domain, host: spec.options.host ?? '127.0.0.1', port, tls: spec.tls });
  });
  for (const r of refused) routes.push({ domain: r.domain, host: r.host, port, tls: 'none' });

  // ---------- the MTA ----------
  let mta: MtaInstance | null = null;
  const fixtures: Fixture[] = [];
  try {
    mta = await o.start({
      dir: path.join(root, o.mta),
      hostname: MTA_HOST_NAME,
      localDomain: BOUNCE_DOMAIN,
      maildirRoot,
      routes,
      timing: o.timing,
      log: o.log,
    });
    const tx = nodemailer.createTransport({ host: mta.host, port: mta.port, secure: false, ignoreTLS: true, pool: false });
    try {
      let n = 0;
      for (const s of sent) {
        n++;
        const single = s.recipients.length === 1;
        const list = single ? 'dev' : s.sender.split('-bounces@')[0];
        const display = single ? 'Developers' : `${list[0].toUpperCase()}${list.slice(1)} list`;
        const def = s.recipients[0].def;
        const unsubscribe = unsubscribeHeaders(
          `https://lists.example.test/s/unsubscribe/${randomBytes(12).toString('base64url')}`,
          `mailto:${list}-unsubscribe@${BOUNCE_DOMAIN}?subject=unsubscribe`,
        );
        const notice = o.temporaryAsNotices === true && s.recipients.some((r) => r.outcome === 'later' || r.outcome === 'delay-only');
        // As src/sending/worker.ts builds a post (List-Id, List-Unsubscribe, Precedence: bulk) or a member notice.
        const raw = buildMessage({
          from: { name: display, address: `${list}${notice ? '-request' : ''}@${BOUNCE_DOMAIN}` },
          to: single ? s.recipients[0].address : `${list}@${BOUNCE_DOMAIN}`,
          subject: notice ? `Your subscription to ${display}` : `[${display}] Meeting notes, week ${10 + (n % 40)}`,
          text: notice ? noticeBody(display) : messageBody(n, def?.bigBody === true),
          html: null,
          messageId: `lk.${notice ? 'n' : 'd'}${1000 + n}.1.${randomBytes(4).toString('hex')}@${BOUNCE_DOMAIN}`,
          date: new Date(),
          headers: notice
            ? [
                ['Auto-Submitted', 'auto-generated'],
                ['List-Id', listIdHeader(display, list, BOUNCE_DOMAIN)],
                ...unsubscribe,
                [TRACKING_HEADER, trackingValue('notice', 1000 + n, SECRET)],
              ]
            : [
                ['List-Id', listIdHeader(display, list, BOUNCE_DOMAIN)],
                ...unsubscribe,
                ['List-Post', 'NO'],
                ['Precedence', 'bulk'],
                [TRACKING_HEADER, trackingValue('post', 1000 + n, SECRET)],
              ],
        });
        s.sentAt = Date.now();
        try {
          await tx.sendMail({ envelope: { from: s.sender, to: s.recipients.map((r) => r.address) }, raw });
        } catch (err) {
          problems.push(`${s.id}: the MTA refused the message: ${(err as Error).message}`);
        }
      }
    } finally {
      tx.close();
    }
    o.log(`${o.mta}: sent ${sent.length} messages; waiting for notices (give-up time ${o.timing.giveUpSeconds} s)`);

    // ---------- collect ----------
    const expected = new Map<string, Set<Phase>>();
    for (const s of sent) {
      const phases = new Set<Phase>();
      for (const r of s.recipients) {
        if (r.outcome === 'now') phases.add('now');
        if (r.outcome === 'later') phases.add('delay').add('final');
        if (r.outcome === 'delay-only') phases.add('delay');
      }
      expected.set(s.sender, phases);
    }
    const seen = new Map<string, { file: string; at: number; sent: Sent | null; phase: Phase }>();
    const got = new Map<string, Set<Phase>>();
    const start = Date.now();
    const deadline = start + (o.timing.giveUpSeconds + 90) * 1000;
    let lastKick = Date.now();
    let completeSince = 0;
    while (Date.now() < deadline) {
      for (const notice of storedNotices(maildirRoot)) {
        if (seen.has(notice.file)) continue;
        const s = sent.find((x) => x.sender === notice.recipient);
        if (!s) {
          problems.push(`a notice for ${notice.recipient}, which sent nothing: ${notice.file}`);
          seen.set(notice.file, { file: notice.file, at: Date.now(), sent: null, phase: 'now' });
          continue;
        }
        const phase = phaseOf(s, (Date.now() - s.sentAt) / 1000, readFileSync(notice.file).toString('latin1').toLowerCase(), o.timing);
        if (!phase) {
          problems.push(`${s.id}: a notice that fits no expected one: ${notice.file}`);
          seen.set(notice.file, { file: notice.file, at: Date.now(), sent: null, phase: 'now' });
          continue;
        }
        seen.set(notice.file, { file: notice.file, at: Date.now(), sent: s, phase });
        const set = got.get(s.sender) ?? new Set<Phase>();
        set.add(phase);
        got.set(s.sender, set);
      }
      const complete = [...expected].every(([sender, phases]) => [...phases].every((p) => got.get(sender)?.has(p)));
      if (complete) {
        // A little longer, to catch notices that should not come (a second warning, a late duplicate).
        if (!completeSince) completeSince = Date.now();
        if (Date.now() - completeSince > 5000) break;
      }
      if (mta.kick && Date.now() - lastKick >= o.timing.retrySeconds * 1000) {
        lastKick = Date.now();
        await mta.kick().catch((err: Error) => o.log(`kick failed: ${err.message}`));
      }
      await sleep(250);
    }
    for (const [sender, phases] of expected) {
      for (const p of phases) if (!got.get(sender)?.has(p)) problems.push(`${sent.find((s) => s.sender === sender)?.id}: no ${p} notice arrived`);
    }

    // ---------- label ----------
    const perName = new Map<string, number>();
    for (const n of [...seen.values()].sort((a, b) => a.at - b.at)) {
      const s = n.sent;
      if (!s) continue;
      const raw = readFileSync(n.file);
      const text = raw.toString('latin1').toLowerCase();
      const named = namedIn(s, n.phase, text);
      if (named.length === 0) {
        problems.push(`${s.id}: a ${n.phase} notice nobody expected (${Math.round((n.at - s.sentAt) / 1000)} s after sending): ${n.file}`);
        continue;
      }
      const base = `${o.mta}--${s.id}${n.phase === 'delay' ? '--delay' : n.phase === 'final' && s.recipients.some((r) => r.outcome === 'now') ? '--final' : ''}`;
      const count = (perName.get(base) ?? 0) + 1;
      perName.set(base, count);
      if (count > 1 && s.recipients.length === 1) {
        problems.push(`${s.id}: another ${n.phase} notice (${count}), not kept: ${n.file}`);
        continue;
      }
      const name = count > 1 ? `${base}-${count}` : base;
      const recipients = named.map((r) => labelRecipient(r, n.phase, raw.toString('latin1')));
      const notes = [...new Set(named.map((r) => r.def?.note ?? ''))].filter(Boolean);
      fixtures.push({
        name,
        raw,
        label: {
          file: `messages/${name}.eml`,
          sha256: createHash('sha256').update(raw).digest('hex'),
          set: o.mta,
          kind: n.phase === 'delay' ? 'delay' : 'bounce',
          is_bounce: true,
          mta: o.mta,
          mta_version: mta.version,
          case: s.id,
          recipients,
          label_source: ['scripts/mta-fixtures/cases.ts'],
          note:
            (n.phase === 'final' ? `The MTA gave up after ${o.timing.giveUpSeconds} s of temporary failures. ${o.finalNote ?? ''}` : n.phase === 'delay' ? 'Delay warning. ' : '') +
            notes.join(' | '),
        },
      });
    }
    return { fixtures, problems, version: mta.version };
  } finally {
    if (mta) await mta.stop().catch(() => {});
    await Promise.all(sinks.map((s) => s.close().catch(() => {})));
    if (o.keep) o.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

const inPhase = (r: Recipient, phase: Phase): boolean =>
  phase === 'now' ? r.outcome === 'now' : phase === 'delay' ? r.outcome === 'later' || r.outcome === 'delay-only' : r.outcome === 'later';

/** The message's recipients a notice of this phase covers: for several recipients, those it names. */
function namedIn(s: Sent, phase: Phase, text: string): Recipient[] {
  const wanted = s.recipients.filter((r) => inPhase(r, phase));
  return s.recipients.length === 1 ? wanted : wanted.filter((r) => text.includes(r.address));
}

/**
 * Which of the notices a message can cause this one is. What was scripted says which can come at all: an immediate
 * failure for permanently refused recipients, a delay warning for temporarily refused ones, and a final failure
 * after the give-up time for those refused until then. Only the time tells a warning from that final failure (the
 * MTAs may warn as soon as they know the next try comes after the warning time, as OpenSMTPD does, and may batch
 * immediate failures for a while); and for a message with both kinds of recipients, the recipients a notice names
 * tell its immediate failure from its warning (see the end). The MTAs count whole seconds, hence the margin.
 */
function phaseOf(s: Sent, t: number, text: string, timing: MtaTiming): Phase | null {
  const has = (o: Outcome): boolean => s.recipients.some((r) => r.outcome === o);
  const temporary = has('later') || has('delay-only');
  if (!temporary) return has('now') ? 'now' : null;
  if (t >= timing.giveUpSeconds - 3) return has('later') ? 'final' : null;
  if (!has('now')) return 'delay';
  const now = namedIn(s, 'now', text).length > 0;
  const delay = namedIn(s, 'delay', text).length > 0;
  if (now !== delay) return now ? 'now' : 'delay';
  // Sendmail's immediate failure quotes its session transcript, deferred recipients included; no MTA but OpenSMTPD
  // (whose notices name only their own recipients) warns before the warning time.
  return now && t < timing.warnSeconds - 3 ? 'now' : null;
}

function labelRecipient(r: Recipient, phase: Phase, notice: string): LabelRecipient {
  const def = r.def;
  if (!def) throw new Error(`accepted recipient ${r.address} in a notice`);
  const b = def.behaviour;
  const reply = b.kind === 'reply' ? b.reply : null;
  // A final failure after temporary answers is `expired` (bounce-policy.md §1), unless the answers refused the
  // sending side (blocklist, rate, reputation, TLS) and the notice says so: that refusal stays what it was, not
  // the member's fault. A notice that only says it gave up ("Envelope expired") cannot tell, so it is expired.
  const reason: Reason = phase === 'final' && !(categoryOf(def.reason) === 'blocked' && carriesRefusal(def, notice)) ? 'expired' : def.reason;
  return {
    address: r.address,
    alt: [],
    status: reply ? statusOf(reply) : null,
    replycode: reply ? String(reply.code) : null,
    reason,
    category: phase === 'delay' ? 'soft' : categoryOf(reason),
    hard: phase === 'now' && SISIMAI_HARD.includes(reason),
    permanent: phase === 'now',
  };
}

/** Does the notice quote the refusal the case scripted (its reply, or for a TLS case the MTA's TLS error)? */
export function carriesRefusal(def: CaseDef, notice: string): boolean {
  const flat = notice.replace(/\s+/g, ' ').toLowerCase();
  const b = def.behaviour;
  // The MTAs word their own TLS failures: "TLS is required", "Server certificate not verified", "encryption too weak",
  // Sendmail's "authentication failed" for a certificate its TLS_Srv rule does not accept.
  if (b.kind === 'tls') return /\btls\b|starttls|certificate|encryption|authentication failed/.test(flat);
  if (b.kind !== 'reply') return false;
  // The longest stretch of the reply's first line without a placeholder, up to 30 characters: MTAs fold and
  // re-wrap the rest.
  const stretch = b.reply.lines[0]
    .replace(/^\s*(?:[245]\.\d{1,3}\.\d{1,3}\s+)?/, '')
    .split(/\{[a-z]+\}/)
    .map((part) => part.replace(/\s+/g, ' ').trim().toLowerCase())
    .sort((x, y) => y.length - x.length)[0];
  return stretch.length >= 8 && flat.includes(stretch.slice(0, 30));
}

function noticeBody(display: string): string {
  return `Hello,\n\nthis is a reminder that you are subscribed to ${display}. To change how you receive its mail, or to\nleave the list, use the links below.\n\n-- \nThe list software\n`;
}

function messageBody(n: number, big: boolean): string {
  const para =
    'Hello everyone,\n\nhere are the notes from this week\'s meeting. We went through the open items, agreed on the\n' +
    'schedule for the spring release and collected volunteers for the documentation sprint.\n';
  const more = big ? '\n' + Array.from({ length: 400 }, (_, i) => `Attendance line ${i + 1}: present, notes taken, follow-up agreed.`).join('\n') + '\n' : '';
  return `${para}${more}\nSee you next week,\nThe organisers (#${n})\n\n-- \nYou receive this because you subscribed to the list.\n`;
}
