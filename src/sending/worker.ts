// The sender: lanes that claim a batch of due deliveries (then notices), send each message through the transport
// and record the batch's outcomes in one statement. Several lanes (and several processes) share the queue safely
// because claims use FOR UPDATE SKIP LOCKED.
//
// Delivery guarantee: AT MOST ONCE. A row is marked 'sending' (committed) before its SMTP transaction; if the
// process dies before the outcome is recorded, nobody knows whether the server took it, so after the lease the
// row is failed as "interrupted" and not re-sent (an admin may re-queue them: retryInterrupted). A duplicate post
// to a whole batch is worse for a list's reputation than a missed copy; the window is one batch per lane.
// With the file outbox nothing is unknown: the outbox says what was written (outbox-recovery.ts), exactly once.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { AppContext } from '../services.js';
import { encodeVerp, bounceAddress, TRACKING_HEADER, trackingValue } from '../bounce/verp.js';
import { recordBounceEvents, type BounceEventInput } from '../members/scoring.js';
import { linkToken, LINK_PATH, unsubscribeAddress } from '../links/index.js';
import { renderNotice } from '../notices/render.js';
import { checkSenderReputation } from '../notices/reputation.js';
import { dkimLookup, type DkimKey } from './dkim.js';
import { buildMessage, listIdHeader, UnsafeAddressError, unsubscribeHeaders } from './message.js';
import { settleOutbox } from './outbox-recovery.js';
import { compilePost, type CompiledPost } from './post-template.js';
import {
  claimDeliveries,
  claimNotices,
  failInterrupted,
  finishPosts,
  recordDeliveryOutcomes,
  recordNoticeOutcomes,
  type ClaimedDelivery,
  type ClaimedNotice,
  type DeliveryOutcome,
  type NoticeOutcome,
} from './queue.js';
import { RateLimiter } from './rate.js';
import { classifyReply, expiredReply } from './reply.js';
import { createMailTransport, type MailTransport, type SendResult } from './transport.js';

/** 1 min, 5 min, 15 min, 1 h, 4 h, 12 h: then a 4xx is given up on (a soft `expired` bounce). */
export const DEFAULT_RETRY_SCHEDULE_MS = [60_000, 300_000, 900_000, 3_600_000, 14_400_000, 43_200_000];

export interface SenderOptions {
  transport?: MailTransport;
  /** Deliveries claimed per round per lane (default 200). */
  batchSize?: number;
  /** Concurrent claim-send-record loops (default: max(2, SMTP connections)). */
  lanes?: number;
  /** Sleep between polls when the queue is empty (default 1000 ms). */
  idleMs?: number;
  /** A row 'sending' for longer is considered interrupted (default 10 minutes; longer than any SMTP timeout). */
  leaseMs?: number;
  retryScheduleMs?: readonly number[];
  /** Default config.sendRatePerSecond. */
  ratePerSecond?: number;
  dkim?: (fromDomain: string) => DkimKey | null;
}

interface ListInfo {
  id: number;
  name: string;
  displayName: string;
}

export interface RoundStats {
  deliveries: number;
  notices: number;
}

export class Sender {
  readonly transport: MailTransport;
  private readonly ownsTransport: boolean;
  private readonly batchSize: number;
  private readonly lanes: number;
  private readonly idleMs: number;
  private readonly leaseMs: number;
  private readonly retry: readonly number[];
  private readonly limiter: RateLimiter;
  private readonly dkim: (fromDomain: string) => DkimKey | null;
  private readonly posts = new Map<number, Promise<CompiledPost | null>>();
  private readonly lists = new Map<number, { info: Promise<ListInfo | null>; at: number }>();
  private running = false;
  private loops: Promise<void>[] = [];
  private wakers = new Set<() => void>();
  private readonly runId = randomBytes(4).toString('hex');
  /** Recorded on every row this sender claims (claimed_by). */
  private readonly claimer: string;
  private recovered = false;

  constructor(
    private readonly ctx: AppContext,
    opts: SenderOptions = {},
  ) {
    this.transport = opts.transport ?? createMailTransport(ctx.config);
    this.ownsTransport = opts.transport === undefined;
    this.batchSize = opts.batchSize ?? 200;
    this.lanes = opts.lanes ?? Math.max(2, ctx.config.smtpMaxConnections);
    this.idleMs = opts.idleMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 600_000;
    this.retry = opts.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.limiter = new RateLimiter(opts.ratePerSecond ?? ctx.config.sendRatePerSecond);
    this.dkim = opts.dkim ?? dkimLookup(ctx.config.dkimKeys ?? []);
    this.claimer = this.transport.outbox?.claimer ?? `${this.transport.kind}|${os.hostname()}|${process.pid}|${this.runId}`;
  }

  /** Starts the lanes in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.lanes; i++) this.loops.push(this.loop(i));
  }

  /** Finishes the batches in hand, then stops (and closes the transport it opened). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.allSettled(this.loops);
    this.loops = [];
    if (this.ownsTransport) await this.transport.close();
  }

  /** Ends a sleep early (a post was just started). */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Runs rounds on every lane until nothing is due now (retries scheduled later are left). For tests and CLIs. */
  async drain(): Promise<RoundStats> {
    const total: RoundStats = { deliveries: 0, notices: 0 };
    await this.recover();
    await Promise.all(
      Array.from({ length: this.lanes }, async () => {
        for (;;) {
          const r = await this.round();
          total.deliveries += r.deliveries;
          total.notices += r.notices;
          if (r.deliveries + r.notices === 0) break;
        }
      }),
    );
    await finishPosts(this.ctx.db, this.ctx.clock.now());
    return total;
  }

  /**
   * Settles what an earlier (crashed) run left in flight. File outbox: the rows of a writer that is gone are settled
   * from the outbox at once (file written: sent; none: queued again), and its temporaries removed. Anything else
   * still 'sending' past the lease is failed as interrupted (at most once).
   */
  async recover(): Promise<{ deliveries: number; notices: number }> {
    const { db, clock, logger } = this.ctx;
    const outbox = this.transport.outbox;
    if (outbox) {
      const first = !this.recovered;
      const s = await settleOutbox(db, outbox, clock.now(), this.leaseMs, { sweep: first });
      if (s.sent + s.requeued + s.failed + s.swept > 0) logger.warn(s, 'sender: settled what a stopped sender left in the outbox');
    }
    this.recovered = true;
    const r = await failInterrupted(db, clock.now(), this.leaseMs);
    if (r.deliveries + r.notices > 0) logger.warn(r, 'sender: interrupted sends failed (not re-sent)');
    return r;
  }

  private async loop(lane: number): Promise<void> {
    if (lane === 0) await this.recover().catch((e) => this.ctx.logger.error({ err: e }, 'sender: recovery failed'));
    while (this.running) {
      let r: RoundStats = { deliveries: 0, notices: 0 };
      try {
        r = await this.round();
        // A short batch means some post may have just run out: close finished posts without waiting for idle.
        if (lane === 0 && r.deliveries < this.batchSize) await finishPosts(this.ctx.db, this.ctx.clock.now());
        if (lane === 0 && r.deliveries + r.notices === 0) await this.recover();
      } catch (e) {
        this.ctx.logger.error({ err: e, lane }, 'sender: round failed');
      }
      if (r.deliveries + r.notices === 0 && this.running) await this.sleep(this.idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** One claim-send-record round of deliveries, then of notices. */
  async round(): Promise<RoundStats> {
    const deliveries = await this.deliveryRound();
    const notices = await this.noticeRound();
    return { deliveries, notices };
  }

  // Caches hold promises, so the hundreds of messages of a first batch share one query and one compilation.
  private list(id: number): Promise<ListInfo | null> {
    const hit = this.lists.get(id);
    if (hit && performance.now() - hit.at < 30_000) return hit.info;
    const info = this.ctx.db
      .selectFrom('lists')
      .select(['id', 'name', 'display_name'])
      .where('id', '=', id)
      .executeTakeFirst()
      .then((row) => (row ? { id: row.id, name: row.name, displayName: row.display_name } : null));
    this.lists.set(id, { info, at: performance.now() });
    info.catch(() => this.lists.delete(id));
    return info;
  }

  private post(id: number): Promise<CompiledPost | null> {
    const hit = this.posts.get(id);
    if (hit) return hit;
    if (this.posts.size > 100) this.posts.clear();
    const compiled = this.ctx.db
      .selectFrom('posts')
      .select(['subject', 'body_text', 'body_html'])
      .where('id', '=', id)
      .executeTakeFirst()
      .then((row) => (row ? compilePost(row) : null));
    this.posts.set(id, compiled);
    compiled.catch(() => this.posts.delete(id));
    return compiled;
  }

  private messageId(kind: string, id: number, attempt: number): string {
    return `lk.${kind}${id}.${attempt}.${this.runId}@${this.ctx.config.bounceDomain}`;
  }

  private async deliveryRound(): Promise<number> {
    const { db, clock, config } = this.ctx;
    const claimed = await claimDeliveries(db, this.batchSize, clock.now(), this.claimer);
    if (claimed.length === 0) return 0;
    const today = clock.today();
    const outcomes: DeliveryOutcome[] = [];
    const events: BounceEventInput[] = [];

    await Promise.all(
      claimed.map(async (d) => {
        const outcome = await this.sendDelivery(d, today, events).catch(
          (e): DeliveryOutcome =>
            // An address that may not become a header never will: failed at once, retrying cannot change it.
            e instanceof UnsafeAddressError
              ? { id: d.id, status: 'failed', category: null, error: e.message.slice(0, 500), message_id: null, next_at: null }
              : {
                  id: d.id,
                  status: 'deferred',
                  category: null,
                  error: `internal: ${(e as Error).message}`.slice(0, 500),
                  message_id: null,
                  next_at: this.nextAttempt(d.attempts)?.toISOString() ?? null,
                },
        );
        outcomes.push(outcome);
      }),
    );

    const now = clock.now();
    if (events.length === 0) {
      await recordDeliveryOutcomes(db, outcomes, now);
    } else {
      await db.transaction().execute(async (trx) => {
        await recordDeliveryOutcomes(trx, outcomes, now);
        await recordBounceEvents(trx, events, today);
      });
    }
    const blockedLists = events.filter((e) => e.category === 'blocked' && e.listId !== null).map((e) => e.listId as number);
    if (blockedLists.length > 0) await checkSenderReputation(db, blockedLists, today, now, config.adminEmail);
    return claimed.length;
  }

  private nextAttempt(attempts: number): Date | null {
    const delay = attempts >= 1 && attempts <= this.retry.length ? this.retry[attempts - 1] : null;
    return delay === null ? null : new Date(this.ctx.clock.now().getTime() + delay);
  }

  private async sendDelivery(d: ClaimedDelivery, today: string, events: BounceEventInput[]): Promise<DeliveryOutcome> {
    const { config } = this.ctx;
    const skip = (why: string): DeliveryOutcome => ({ id: d.id, status: 'failed', category: null, error: why, message_id: null, next_at: null });
    if (d.member_id === null) return skip('not sent: the member was deleted');
    if (d.member_status !== 'enabled') return skip(`not sent: the member is ${d.member_status ?? 'gone'}`);
    const [list, post] = await Promise.all([this.list(d.list_id), this.post(d.post_id)]);
    if (!list || !post) return skip('not sent: the list or post was deleted');

    const unsubToken = linkToken(config.secretKey, 'unsubscribe', d.member_id, d.list_id, today);
    const unsubscribeUrl = `${config.baseUrl}${LINK_PATH.unsubscribe}${unsubToken}`;
    const vars = {
      unsubscribeUrl,
      // An HMAC costs ~10 µs: only sign the manage link when the post uses it.
      manageUrl: post.usesManageUrl ? `${config.baseUrl}${LINK_PATH.manage}${linkToken(config.secretKey, 'manage', d.member_id, d.list_id, today)}` : '',
      address: d.address,
      listName: list.name,
      listDisplayName: list.displayName,
    };
    const messageId = this.messageId('d', d.id, d.attempts);
    const fromAddress = `${list.name}@${config.bounceDomain}`;
    const raw = buildMessage({
      from: { name: list.displayName, address: fromAddress },
      to: d.address,
      subject: post.subject(vars),
      text: post.text ? post.text(vars) : null,
      html: post.html ? post.html(vars) : null,
      messageId,
      date: this.ctx.clock.now(),
      headers: [
        ['List-Id', listIdHeader(list.displayName, list.name, config.bounceDomain)],
        ...unsubscribeHeaders(unsubscribeUrl, unsubscribeMailto(config, list.name, d.member_id)),
        ['List-Post', 'NO'],
        ['Precedence', 'bulk'],
        [TRACKING_HEADER, trackingValue('post', d.id, config.secretKey)],
      ],
    });
    const envelopeFrom = encodeVerp(list.name, { address: d.address, memberId: d.member_id }, { bounceDomain: config.bounceDomain, secret: config.secretKey });
    await this.limiter.take();
    const result = await this.transport.send({
      envelope: { from: envelopeFrom, to: d.address },
      raw,
      tag: `d${d.id}`,
      dkim: this.dkim(config.bounceDomain),
    });
    return this.deliveryOutcome(d, result, messageId, events);
  }

  private deliveryOutcome(d: ClaimedDelivery, result: SendResult, messageId: string, events: BounceEventInput[]): DeliveryOutcome {
    const base = { id: d.id, message_id: messageId };
    if (result.ok) return { ...base, status: 'sent', category: null, error: null, next_at: null };
    if (result.refused) return { ...base, status: 'failed', category: null, error: result.response.slice(0, 500), next_at: null };
    const reply = classifyReply(result.code, result.response);
    if (reply.kind === 'accepted') return { ...base, status: 'sent', category: null, error: null, next_at: null };
    if (reply.kind === 'temporary') {
      const next = this.nextAttempt(d.attempts);
      if (next) return { ...base, status: 'deferred', category: null, error: reply.text, next_at: next.toISOString() };
      // Retries ran out. A server that kept answering 4xx: a soft bounce (expired). No answer at all: our side.
      if (reply.ours) return { ...base, status: 'failed', category: null, error: `gave up: ${reply.text}`, next_at: null };
      const final = expiredReply(reply.code, reply.text);
      events.push(this.event(d, final));
      return { ...base, status: 'bounced', category: final.category, error: final.text, next_at: null };
    }
    events.push(this.event(d, reply));
    return { ...base, status: 'bounced', category: reply.category, error: reply.text, next_at: null };
  }

  private event(d: ClaimedDelivery, r: Extract<ReturnType<typeof classifyReply>, { kind: 'permanent' }>): BounceEventInput {
    return {
      listId: d.list_id,
      memberId: d.member_id,
      address: d.address,
      kind: 'bounce',
      category: r.category,
      reason: r.reason,
      status: r.status,
      diagnostic: r.text,
      remoteMta: this.transport.kind === 'smtp' && this.ctx.config.smtpUrl ? new URL(this.ctx.config.smtpUrl).hostname : null,
      source: 'smtp',
      deliveryId: d.id,
    };
  }

  private async noticeRound(): Promise<number> {
    const { db, clock } = this.ctx;
    const claimed = await claimNotices(db, Math.min(this.batchSize, 50), clock.now(), this.claimer);
    if (claimed.length === 0) return 0;
    const today = clock.today();
    const outcomes: NoticeOutcome[] = [];
    const events: BounceEventInput[] = [];
    await Promise.all(
      claimed.map(async (n) => {
        outcomes.push(
          await this.sendNotice(n, today, events).catch(
            (e): NoticeOutcome => ({ id: n.id, status: 'failed', error: `internal: ${(e as Error).message}`.slice(0, 500), next_at: null }),
          ),
        );
      }),
    );
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await recordNoticeOutcomes(trx, outcomes, now);
      if (events.length > 0) await recordBounceEvents(trx, events, today);
    });
    return claimed.length;
  }

  private async sendNotice(n: ClaimedNotice, today: string, events: BounceEventInput[]): Promise<NoticeOutcome> {
    const { config, db } = this.ctx;
    const rendered = await renderNotice(db, config, n, today);
    if (!rendered.ok) return { id: n.id, status: 'failed', error: rendered.error, next_at: null };
    const { notice } = rendered;
    const list = notice.list;
    const messageId = this.messageId('n', n.id, n.attempts);
    const headers: Array<[string, string]> = [['Auto-Submitted', 'auto-generated']];
    let envelopeFrom: string;
    let from: { name: string; address: string };
    if (list && n.audience === 'member' && n.member_id !== null) {
      const unsubToken = linkToken(config.secretKey, 'unsubscribe', n.member_id, list.id, today);
      headers.push(['List-Id', listIdHeader(list.displayName, list.name, config.bounceDomain)]);
      if (n.type !== 'confirm') {
        headers.push(
          ...unsubscribeHeaders(
            `${config.baseUrl}${LINK_PATH.unsubscribe}${unsubToken}`,
            unsubscribeMailto(config, list.name, n.member_id),
          ),
        );
      }
      envelopeFrom = encodeVerp(list.name, { address: n.to_address, memberId: n.member_id }, { bounceDomain: config.bounceDomain, secret: config.secretKey });
      from = { name: list.displayName, address: `${list.name}-request@${config.bounceDomain}` };
    } else {
      envelopeFrom = bounceAddress(list?.name ?? 'listkeeper', config.bounceDomain);
      from = { name: 'Listkeeper', address: `listkeeper@${config.bounceDomain}` };
    }
    headers.push([TRACKING_HEADER, trackingValue('notice', n.id, config.secretKey)]);
    const raw = buildMessage({
      from,
      to: n.to_address,
      subject: notice.subject,
      text: notice.text,
      html: notice.html,
      messageId,
      date: this.ctx.clock.now(),
      headers,
    });
    await this.limiter.take();
    const result = await this.transport.send({ envelope: { from: envelopeFrom, to: n.to_address }, raw, tag: `n${n.id}`, dkim: this.dkim(config.bounceDomain) });
    if (result.ok) return { id: n.id, status: 'sent', error: null, next_at: null };
    if (result.refused) return { id: n.id, status: 'failed', error: result.response.slice(0, 500), next_at: null };
    const reply = classifyReply(result.code, result.response);
    if (reply.kind === 'accepted') return { id: n.id, status: 'sent', error: null, next_at: null };
    if (reply.kind === 'temporary') {
      const next = this.nextAttempt(n.attempts);
      return next
        ? { id: n.id, status: 'deferred', error: reply.text, next_at: next.toISOString() }
        : { id: n.id, status: 'failed', error: `gave up: ${reply.text}`, next_at: null };
    }
    if (n.audience === 'member' && n.member_id !== null && list) {
      events.push({
        listId: list.id,
        memberId: n.member_id,
        address: n.to_address,
        kind: 'bounce',
        category: reply.category,
        reason: reply.reason,
        status: reply.status,
        diagnostic: reply.text,
        remoteMta: null,
        source: 'smtp',
      });
    }
    return { id: n.id, status: 'failed', error: reply.text, next_at: null };
  }
}

/** Convenience for the background runner. */
/** The signed mailto: of List-Unsubscribe; mail to it comes back through the intake pipeline (src/intake). */
function unsubscribeMailto(config: { bounceDomain: string; secretKey: string }, listName: string, memberId: number): string {
  return `mailto:${unsubscribeAddress(listName, memberId, { bounceDomain: config.bounceDomain, secret: config.secretKey })}?subject=unsubscribe`;
}

export function startSender(ctx: AppContext, opts: SenderOptions = {}): Sender {
  const s = new Sender(ctx, opts);
  s.start();
  return s;
}
