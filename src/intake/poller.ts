// One IMAP mailbox read with imapflow: every message in the folder goes through the pipeline in batches
// (one transaction per batch, identity-keyed per message), then is MOVEd by UID set to the folder the
// pipeline chose, after the commit. Waits with IDLE (auto-idle) and a NOOP every poll interval, reconnects
// with backoff, stops cleanly (the batch in hand is finished). Nothing is ever deleted.
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import type { ImapMailboxConfig } from '../config.js';
import type { AppContext } from '../services.js';
import { DatabaseUnavailableError, errorText } from './errors.js';
import { commitBatch, FOLDERS, prepareBatch, type Folder, type IngestOutcome, type PipelineOptions, type PreparedBatch } from './pipeline.js';

export interface PollerFaults {
  /** After a batch is fetched, before it is handled (e.g. drop the connection mid-batch). */
  afterFetch?: (uids: number[], poller: MailboxPoller) => Promise<void> | void;
  /** After the batch's transaction committed, before the MOVE (e.g. a crash). */
  afterCommit?: (outcomes: IngestOutcome[], poller: MailboxPoller) => Promise<void> | void;
}

export interface PollerOptions {
  /** Messages per transaction (default 200). */
  batchSize?: number;
  /** Bytes fetched per batch at most (default 32 MB): bounds memory with large bounces. */
  batchBytes?: number;
  /** NOOP/poll interval (default config.imapPollSeconds). IDLE wakes it sooner when the server supports it. */
  pollMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  pipeline?: PipelineOptions;
  faults?: PollerFaults;
}

export interface MailboxRuntimeStatus {
  name: string;
  folder: string;
  connected: boolean;
  idleSupported: boolean | null;
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Messages handled since start (duplicates not counted). */
  processed: number;
  failed: number;
  /** Age of the oldest message waiting at the start of the last pass, seconds. */
  lagSeconds: number | null;
  /** Consecutive failed attempts (0 when healthy). */
  failures: number;
}

export interface PassResult {
  /** Another instance was reading this mailbox (its lock in PostgreSQL): this pass did nothing. */
  busy: boolean;
  seen: number;
  handled: number;
  duplicates: number;
  failed: number;
  moved: number;
  byFolder: Record<Folder, number>;
}

const sleep = (ms: number, signal?: { wake?: () => void }): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (signal)
      signal.wake = () => {
        clearTimeout(t);
        resolve();
      };
  });

export class MailboxPoller {
  private client: ImapFlow | null = null;
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private waker: { wake?: () => void } = {};
  private folderPaths = new Map<Folder, string>();
  private readonly opts: Required<Omit<PollerOptions, 'pipeline' | 'faults'>> & Pick<PollerOptions, 'pipeline' | 'faults'>;
  private readonly state: MailboxRuntimeStatus;
  /** Identity prefix of this mailbox's messages: configured name + folder. */
  readonly mailboxKey: string;
  private readonly lockKey: number;

  constructor(
    private readonly ctx: AppContext,
    readonly mailbox: ImapMailboxConfig,
    opts: PollerOptions = {},
  ) {
    this.opts = {
      batchSize: opts.batchSize ?? 200,
      batchBytes: opts.batchBytes ?? 32 * 1024 * 1024,
      pollMs: opts.pollMs ?? ctx.config.imapPollSeconds * 1000,
      backoffMinMs: opts.backoffMinMs ?? 1000,
      backoffMaxMs: opts.backoffMaxMs ?? 60_000,
      pipeline: opts.pipeline,
      faults: opts.faults,
    };
    this.mailboxKey = `${mailbox.name}/${mailbox.folder}`;
    // The same server folder whatever each instance calls it.
    const where = `${mailbox.host.toLowerCase()}:${mailbox.port}:${mailbox.user}:${mailbox.folder}`;
    this.lockKey = createHash('sha256').update(where).digest().readInt32BE(0);
    this.state = {
      name: mailbox.name,
      folder: mailbox.folder,
      connected: false,
      idleSupported: null,
      lastPollAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastErrorAt: null,
      processed: 0,
      failed: 0,
      lagSeconds: null,
      failures: 0,
    };
  }

  status(): MailboxRuntimeStatus {
    return { ...this.state };
  }

  /** Runs until stop(): passes, waits for mail, reconnects with backoff after errors. */
  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** Finishes the batch in hand, logs out. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waker.wake?.();
    if (this.loopDone) await this.loopDone;
    this.loopDone = null;
    await this.disconnect();
  }

  /** Cuts the IMAP connection at once, as a network failure would (tests). */
  dropConnection(): void {
    this.client?.close();
  }

  /** One pass over everything now in the folder (connects if needed). Throws on any failure. */
  async runOnce(): Promise<PassResult> {
    await this.connect();
    await this.client?.noop(); // learn about mail that arrived since the last command
    return this.exclusivePass();
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.state.connected = false;
    if (!c) return;
    if (c.usable) {
      await Promise.race([c.logout().catch(() => {}), sleep(3000)]);
    }
    c.close();
  }

  private async loop(): Promise<void> {
    let delay = this.opts.backoffMinMs;
    while (!this.stopping) {
      try {
        await this.connect();
        await this.exclusivePass();
        delay = this.opts.backoffMinMs;
        if (this.stopping) break;
        await this.waitForMail();
      } catch (err) {
        if (this.stopping) break;
        this.state.failures++;
        await this.recordError(err);
        // The database being away says nothing about the IMAP connection; anything else may.
        if (!(err instanceof DatabaseUnavailableError)) await this.disconnect();
        this.ctx.logger.warn(
          { mailbox: this.mailbox.name, err: errorText(err), retryInMs: delay },
          'intake: mailbox pass failed; retrying',
        );
        await sleep(delay, this.waker);
        delay = Math.min(delay * 2, this.opts.backoffMaxMs);
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.client?.usable) return;
    if (this.client) await this.disconnect();
    const m = this.mailbox;
    const client = new ImapFlow({
      host: m.host,
      port: m.port,
      secure: m.secure,
      auth: m.accessToken ? { user: m.user, accessToken: m.accessToken } : { user: m.user, pass: m.password ?? '' },
      logger: false,
      connectionTimeout: 20_000,
      greetingTimeout: 10_000,
      socketTimeout: 10 * 60_000,
      // Enter IDLE soon after each pass (imapflow's default waits 15 s), so new mail wakes us in ~0.5 s.
      autoIdleDelay: 300,
    });
    // An unhandled 'error' would crash the process; the pass in hand fails on its own.
    client.on('error', (err: Error) => {
      this.ctx.logger.debug({ mailbox: m.name, err: err.message }, 'intake: imap connection error');
    });
    client.on('close', () => {
      this.state.connected = false;
      this.waker.wake?.();
    });
    client.on('exists', () => this.waker.wake?.());
    await client.connect();
    this.client = client;
    this.state.connected = true;
    this.state.idleSupported = client.capabilities.has('IDLE');
    await this.ensureFolders(client);
    await client.mailboxOpen(m.folder);
    this.ctx.logger.info({ mailbox: m.name, folder: m.folder }, 'intake: connected');
  }

  private async ensureFolders(client: ImapFlow): Promise<void> {
    const list = await client.list();
    const ns = client.namespace;
    const prefix = ns?.prefix ?? '';
    for (const name of Object.values(FOLDERS)) {
      const found = list.find((l) => l.path === name || l.path === `${prefix}${name}`);
      const path = found?.path ?? `${prefix}${name}`;
      if (!found) {
        try {
          await client.mailboxCreate(path);
          this.ctx.logger.info({ mailbox: this.mailbox.name, folder: path }, 'intake: created folder');
        } catch (err) {
          // Another instance may have created it a moment ago.
          const again = await client.list();
          if (!again.some((l) => l.path === path)) throw err;
        }
      }
      this.folderPaths.set(name, path);
    }
  }

  /** Resolves on new mail (IDLE's EXISTS), after a NOOP every poll interval, on close and on stop. */
  private async waitForMail(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const before = client.mailbox ? client.mailbox.exists : 0;
    await sleep(this.opts.pollMs, this.waker);
    this.waker = {};
    if (this.stopping || !client.usable) {
      if (!this.stopping) throw new Error('IMAP connection closed');
      return;
    }
    if (!client.mailbox || client.mailbox.exists === before) await client.noop();
  }

  /**
   * A pass while holding this mailbox's lock in PostgreSQL (a session advisory lock on one connection, freed
   * by PostgreSQL if the process dies). Two instances polling one mailbox would otherwise MOVE the same
   * message at once, and Dovecot's maildir MOVE (copy, then expunge) then files it twice. The other
   * instance finds the lock taken and waits for its next poll. PGlite is one process: no lock needed.
   */
  private async exclusivePass(): Promise<PassResult> {
    if (this.ctx.engine !== 'postgres') return this.pass();
    let locking = true;
    try {
      return await this.ctx.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${MAILBOX_LOCK_CLASS}, ${this.lockKey}) as got`.execute(conn);
        locking = false;
        if (!rows[0]?.got) {
          // Healthy: the database answered and the mailbox is in hand (the other instance reports on it).
          this.state.lastPollAt = this.state.lastSuccessAt = this.ctx.clock.now();
          this.state.lastError = null;
          this.state.failures = 0;
          return { ...emptyPass(), busy: true };
        }
        try {
          return await this.pass();
        } finally {
          await sql`select pg_advisory_unlock(${MAILBOX_LOCK_CLASS}, ${this.lockKey})`.execute(conn).catch(() => undefined);
        }
      });
    } catch (err) {
      if (locking) throw new DatabaseUnavailableError(err);
      throw err;
    }
  }

  private async pass(): Promise<PassResult> {
    const client = this.client;
    if (!client) throw new Error('not connected');
    const result = emptyPass();
    this.state.lastPollAt = this.ctx.clock.now();
    const box = client.mailbox;
    if (!box) throw new Error('no mailbox selected');
    const uidValidity = Number(box.uidValidity);
    let lag = 0;
    if (box.exists > 0) {
      const found = await client.search({ all: true }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).sort((a, b) => a - b);
      if (uids.length > 0) {
        const first = await client.fetchOne(String(uids[0]), { uid: true, internalDate: true }, { uid: true });
        if (first && first.internalDate) {
          lag = Math.max(0, Math.round((this.ctx.clock.now().getTime() - new Date(first.internalDate).getTime()) / 1000));
          this.state.lagSeconds = lag;
        }
        await this.pipeline(client, await this.plan(client, uids), uidValidity, result);
      }
    }
    this.state.lastSuccessAt = this.ctx.clock.now();
    this.state.lastError = null;
    this.state.failures = 0;
    this.state.lagSeconds = lag;
    await this.saveStatus(result.handled);
    return result;
  }

  /** Splits the UIDs into batches of at most batchSize messages and batchBytes bytes (sizes in one FETCH). */
  private async plan(client: ImapFlow, uids: number[]): Promise<number[][]> {
    const sizes = new Map<number, number>();
    for (let i = 0; i < uids.length; i += 5000) {
      const part = uids.slice(i, i + 5000);
      for await (const m of client.fetch(compactUidSet(part), { uid: true, size: true }, { uid: true })) sizes.set(m.uid, m.size ?? 0);
    }
    const batches: number[][] = [];
    let batch: number[] = [];
    let bytes = 0;
    for (const uid of uids) {
      if (!sizes.has(uid)) continue; // gone meanwhile (another instance moved it)
      const size = sizes.get(uid) as number;
      if (batch.length > 0 && (batch.length >= this.opts.batchSize || bytes + size > this.opts.batchBytes)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(uid);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  /**
   * Overlaps the IMAP work with the database work: while batch k commits, the connection moves batch k-1
   * (already committed) and fetches batch k+1, which is then looked up, classified and matched. A batch is
   * only ever moved after its own commit, so a crash anywhere leaves each message either not stored, or
   * stored and not yet moved (handled as a duplicate next time).
   */
  private async pipeline(client: ImapFlow, batches: number[][], uidValidity: number, result: PassResult): Promise<void> {
    type Item = { raw: Buffer; identity: { source: 'imap'; mailbox: string; uidvalidity: number; uid: number } };
    type Fetched = { uids: number[]; items: Item[]; prepared: Promise<PreparedBatch> };
    const fetchBatch = async (uids: number[]): Promise<Fetched> => {
      const fetched = await client.fetchAll(compactUidSet(uids), { uid: true, source: true }, { uid: true });
      fetched.sort((a, b) => a.uid - b.uid);
      const items = fetched
        .filter((m) => m.source)
        .map((m) => ({
          raw: m.source as Buffer,
          identity: { source: 'imap' as const, mailbox: this.mailboxKey, uidvalidity: uidValidity, uid: m.uid },
        }));
      const prepared = prepareBatch(this.ctx, items, this.opts.pipeline);
      prepared.catch(() => {}); // seen when awaited
      return { uids, items, prepared };
    };
    let imap: Promise<Fetched | null> = batches.length > 0 ? fetchBatch(batches[0]) : Promise.resolve(null);
    // Its failure is seen when it is awaited; until then it must not count as an unhandled rejection.
    imap.catch(() => {});
    let pendingMove: { items: Item[]; outcomes: IngestOutcome[] } | null = null;
    for (let k = 0; k < batches.length && !this.stopping; k++) {
      const current = await imap;
      if (!current) break;
      await this.opts.faults?.afterFetch?.(current.uids, this);
      const prepared = await current.prepared;
      const toMove = pendingMove;
      pendingMove = null;
      const next = k + 1 < batches.length && !this.stopping ? batches[k + 1] : null;
      imap = (async () => {
        if (toMove) await this.moveBatch(client, toMove.items, toMove.outcomes, result);
        return next ? fetchBatch(next) : null;
      })();
      imap.catch(() => {});
      let outcomes: IngestOutcome[];
      try {
        result.seen += current.items.length;
        outcomes = await commitBatch(this.ctx, prepared, this.opts.pipeline);
        await this.opts.faults?.afterCommit?.(outcomes, this);
      } catch (err) {
        // Let the IMAP side (and the next batch's lookups) settle before the connection is dropped.
        await imap.then((n) => n?.prepared).catch(() => null);
        throw err;
      }
      pendingMove = { items: current.items, outcomes };
    }
    const last = await imap;
    if (last) await last.prepared.catch(() => null); // stopped early: nothing of it was written
    if (pendingMove) await this.moveBatch(client, pendingMove.items, pendingMove.outcomes, result);
  }

  private async moveBatch(
    client: ImapFlow,
    items: { identity: { uid: number } }[],
    outcomes: IngestOutcome[],
    result: PassResult,
  ): Promise<void> {
    const byFolder = new Map<Folder, { uids: number[]; ids: number[] }>();
    outcomes.forEach((o, k) => {
      if (o.duplicate) result.duplicates++;
      else result.handled++;
      if (o.state === 'failed') {
        result.failed++;
        this.state.failed++;
      }
      const g = byFolder.get(o.folder) ?? { uids: [], ids: [] };
      g.uids.push(items[k].identity.uid);
      if (o.inboundId !== null) g.ids.push(o.inboundId);
      byFolder.set(o.folder, g);
    });
    for (const [folder, g] of byFolder) {
      const target = this.folderPaths.get(folder) ?? folder;
      const moved = await client.messageMove(compactUidSet(g.uids), target, { uid: true });
      if (moved === false) throw new Error(`MOVE to ${target} failed`);
      result.moved += g.uids.length;
      result.byFolder[folder] += g.uids.length;
      if (g.ids.length > 0) {
        await this.ctx.db
          .updateTable('inbound_messages')
          .set({ moved_at: this.ctx.clock.now() })
          .where('id', 'in', g.ids)
          .execute()
          .catch((err: unknown) => this.ctx.logger.warn({ err: errorText(err) }, 'intake: could not note moved_at'));
      }
    }
    this.state.processed += outcomes.filter((o) => !o.duplicate).length;
  }

  private async recordError(err: unknown): Promise<void> {
    const now = this.ctx.clock.now();
    this.state.lastError = errorText(err);
    this.state.lastErrorAt = now;
    await this.ctx.db
      .insertInto('mailbox_status')
      .values({ name: this.mailbox.name, last_poll_at: this.state.lastPollAt, last_error: this.state.lastError, last_error_at: now })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ last_poll_at: this.state.lastPollAt, last_error: this.state.lastError, last_error_at: now }),
      )
      .execute()
      .catch(() => {}); // the database may be what failed
  }

  private async saveStatus(handled: number): Promise<void> {
    const s = this.state;
    await this.ctx.db
      .insertInto('mailbox_status')
      .values({
        name: this.mailbox.name,
        last_poll_at: s.lastPollAt,
        last_success_at: s.lastSuccessAt,
        last_error: null,
        messages_processed: handled,
        lag_seconds: s.lagSeconds,
      })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          last_poll_at: s.lastPollAt,
          last_success_at: s.lastSuccessAt,
          last_error: null,
          messages_processed: sql`mailbox_status.messages_processed + ${handled}`,
          lag_seconds: s.lagSeconds,
        }),
      )
      .execute()
      .catch((err: unknown) => this.ctx.logger.warn({ err: errorText(err) }, 'intake: could not save mailbox status'));
  }
}

/** Advisory lock space of the mailboxes ("LKMB"); the key is a hash of the server folder. */
const MAILBOX_LOCK_CLASS = 0x4c4b4d42;

function emptyPass(): PassResult {
  return {
    busy: false,
    seen: 0,
    handled: 0,
    duplicates: 0,
    failed: 0,
    moved: 0,
    byFolder: { Processed: 0, Unrecognised: 0, Unprocessed: 0, Quarantine: 0 },
  };
}

/** `1:5,7,9:12`: a UID set as short as the UIDs allow. */
export function compactUidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** One poller per configured mailbox; returns a stop function for background.ts. */
export function startPollers(ctx: AppContext, opts: PollerOptions = {}): { pollers: MailboxPoller[]; stop: () => Promise<void> } {
  const pollers = ctx.config.imapMailboxes.map((m) => new MailboxPoller(ctx, m, opts));
  for (const p of pollers) p.start();
  if (pollers.length > 0) ctx.logger.info({ mailboxes: pollers.map((p) => p.mailbox.name) }, 'intake: pollers started');
  return {
    pollers,
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
