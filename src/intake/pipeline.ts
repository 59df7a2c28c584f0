// The one pipeline every door (IMAP poller, POST /api/inbound/raw, `npm run ingest`) feeds: store the raw
// message and its classification, record the events and change the members, all in ONE transaction keyed
// by the message's identity (mailbox + UIDVALIDITY + UID, and the content hash). A message already stored
// changes nothing the second time; the caller then files it (IMAP: moves it) to the folder returned.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { classify as realClassify } from '../bounce/classify.js';
import type { Classification, MessageKind } from '../bounce/types.js';
import type { Database, InboundState, Source } from '../db/schema.js';
import { applyOperation } from '../members/operations.js';
import { recordBounceEvents, type BounceEventInput } from '../members/scoring.js';
import { queueNotice } from '../notices/queue.js';
import { checkSenderReputation } from '../notices/reputation.js';
import type { AppContext } from '../services.js';
import { cluesOf } from './clues.js';
import {
  databaseAnswers,
  DatabaseUnavailableError,
  errorText,
  isTransientDbError,
  PassAborted,
} from './errors.js';
import { DELIVERY_FROM, matchBatch, type MatchResult, type UnsubscribeRequest } from './match.js';
import { cleanDeep, cleanText } from './sanitize.js';

/** Server folders a handled message is moved to. A message that broke the pipeline (state failed) goes to Quarantine. */
export const FOLDERS = {
  processed: 'Processed',
  unrecognised: 'Unrecognised',
  unprocessed: 'Unprocessed',
  quarantine: 'Quarantine',
} as const;
export type Folder = (typeof FOLDERS)[keyof typeof FOLDERS];

export interface MessageIdentity {
  source: Source;
  /** IMAP only: the configured mailbox name plus folder, its UIDVALIDITY and the message's UID. */
  mailbox?: string | null;
  uidvalidity?: number | null;
  uid?: number | null;
}

export interface IngestItem {
  raw: Uint8Array;
  identity: MessageIdentity;
}

export type FinalState = Exclude<InboundState, 'received'>;

export interface IngestOutcome {
  /** The inbound_messages row (the existing one for a duplicate). */
  inboundId: number | null;
  state: FinalState;
  folder: Folder;
  /** True when the message had been handled before (same identity or same bytes): this pass changed nothing. */
  duplicate: boolean;
  kind: MessageKind | null;
  /** Events recorded by this pass. */
  events: number;
  /** Events that changed a member's score in this pass. */
  scored: number;
  error: string | null;
  contentHash: string;
}

export interface PipelineOptions {
  /** The classifier; tests inject a failing one to make a poison message. */
  classify?: (raw: Uint8Array) => Classification;
  /** Runs inside the transaction after everything is written, before commit (fault injection). */
  beforeCommit?: (trx: Transaction<Database>) => Promise<void>;
}

export function contentHash(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex');
}

function folderOf(state: FinalState): Folder {
  if (state === 'processed') return FOLDERS.processed;
  if (state === 'unrecognised') return FOLDERS.unrecognised;
  if (state === 'failed') return FOLDERS.quarantine;
  return FOLDERS.unprocessed;
}

/** Where a classified message goes: non-bounces to a person (Unprocessed), bounces naming no member to Unrecognised. */
export function stateFor(kind: MessageKind, matchedEvents: number): FinalState {
  if (kind === 'other') return 'unprocessed';
  if (matchedEvents > 0) return 'processed';
  return kind === 'autoreply' ? 'unprocessed' : 'unrecognised';
}

interface Existing {
  id: number;
  state: InboundState;
  content_hash: string;
  mailbox: string | null;
  uidvalidity: number | null;
  uid: number | null;
  kind: MessageKind | null;
}

interface Prepared {
  index: number;
  item: IngestItem;
  hash: string;
  /** An earlier row in state failed/received: this pass retries it. */
  retryId: number | null;
  classification: Classification | null;
  classifyError: string | null;
  match: MatchResult | null;
  state: FinalState;
}

const identityKey = (i: MessageIdentity): string | null =>
  i.mailbox != null && i.uidvalidity != null && i.uid != null ? `${i.mailbox}\u0000${i.uidvalidity}\u0000${i.uid}` : null;

async function findExisting(db: Kysely<Database>, items: { hash: string; identity: MessageIdentity }[]): Promise<Existing[]> {
  const hashes = [...new Set(items.map((i) => i.hash))];
  // UIDs grouped by (mailbox, uidvalidity), so each group is one range of the unique index.
  const groups = new Map<string, { mailbox: string; uidvalidity: number; uids: number[] }>();
  for (const { identity: i } of items) {
    if (identityKey(i) === null) continue;
    const k = `${i.mailbox}\u0000${i.uidvalidity}`;
    const g = groups.get(k) ?? { mailbox: i.mailbox as string, uidvalidity: i.uidvalidity as number, uids: [] };
    g.uids.push(i.uid as number);
    groups.set(k, g);
  }
  return db
    .selectFrom('inbound_messages')
    .select(['id', 'state', 'content_hash', 'mailbox', 'uidvalidity', 'uid', 'kind'])
    .where((eb) =>
      eb.or([
        eb('content_hash', 'in', hashes),
        ...[...groups.values()].map((g) =>
          eb.and([eb('mailbox', '=', g.mailbox), eb('uidvalidity', '=', g.uidvalidity), eb('uid', 'in', g.uids)]),
        ),
      ]),
    )
    .execute() as Promise<Existing[]>;
}

function duplicateOutcome(e: Existing, hash: string): IngestOutcome {
  const state = (e.state === 'received' ? 'failed' : e.state) as FinalState;
  return {
    inboundId: Number(e.id),
    state,
    folder: folderOf(state),
    duplicate: true,
    kind: e.kind,
    events: 0,
    scored: 0,
    error: null,
    contentHash: hash,
  };
}

/** Handles one message (HTTP, CLI). Throws DatabaseUnavailableError when the database is away: nothing was lost, try again. */
export async function ingestMessage(
  ctx: AppContext,
  raw: Uint8Array,
  identity: MessageIdentity,
  opts: PipelineOptions = {},
): Promise<IngestOutcome> {
  const [outcome] = await ingestBatch(ctx, [{ raw, identity }], opts);
  return outcome;
}

/**
 * Handles several messages in one transaction (the poller's batches); outcomes in input order. When the
 * batch fails for a reason other than the database being away, each message is retried alone, so each
 * poison message is kept as `failed` (filed to Quarantine) and the others go through.
 */
export async function ingestBatch(ctx: AppContext, items: IngestItem[], opts: PipelineOptions = {}): Promise<IngestOutcome[]> {
  return commitBatch(ctx, await prepareBatch(ctx, items, opts), opts);
}

/** A batch looked up, classified and matched, not yet written. */
export interface PreparedBatch {
  hashes: string[];
  outcomes: (IngestOutcome | null)[];
  firstOfHash: Map<string, number>;
  todo: Prepared[];
}

/**
 * The read-only half: identity lookup, classification, member matching. It may run while the previous
 * batch commits (the poller overlaps them): a message that batch stores meanwhile is caught by the unique
 * constraints at commit and reported as a duplicate.
 */
export async function prepareBatch(ctx: AppContext, items: IngestItem[], opts: PipelineOptions = {}): Promise<PreparedBatch> {
  if (items.length === 0) return { hashes: [], outcomes: [], firstOfHash: new Map(), todo: [] };
  const classify = opts.classify ?? realClassify;
  const hashed = items.map((item) => ({ item, hash: contentHash(item.raw), identity: item.identity }));

  let existing: Existing[];
  try {
    existing = await findExisting(ctx.db, hashed);
  } catch (err) {
    throw new DatabaseUnavailableError(err);
  }
  const byHash = new Map(existing.map((e) => [e.content_hash, e]));
  const byIdentity = new Map(
    existing
      .map((e) => [identityKey({ source: 'imap', mailbox: e.mailbox, uidvalidity: e.uidvalidity, uid: e.uid }), e] as const)
      .filter(([k]) => k !== null),
  );

  const outcomes: (IngestOutcome | null)[] = items.map(() => null);
  const firstOfHash = new Map<string, number>();
  const todo: Prepared[] = [];
  hashed.forEach(({ item, hash, identity }, index) => {
    const key = identityKey(identity);
    const prior = byHash.get(hash) ?? (key ? byIdentity.get(key) : undefined);
    if (prior && prior.content_hash !== hash) {
      // Same mailbox, UIDVALIDITY and UID but other bytes: the server reused a UID (a broken server).
      ctx.logger.warn({ identity, hash, storedHash: prior.content_hash }, 'intake: UID reused with other content; treated as seen');
    }
    if (prior && prior.state !== 'failed' && prior.state !== 'received') {
      outcomes[index] = duplicateOutcome(prior, hash);
      return;
    }
    if (firstOfHash.has(hash)) return; // the same bytes twice in one batch: settled after the first
    firstOfHash.set(hash, index);
    let classification: Classification | null = null;
    let classifyError: string | null = null;
    try {
      classification = cleanDeep(classify(item.raw));
    } catch (err) {
      classifyError = `classifier: ${errorText(err)}`;
      ctx.logger.error({ err, identity, hash }, 'intake: the classifier threw on a message; kept as failed');
    }
    todo.push({
      index,
      item,
      hash,
      retryId: prior ? Number(prior.id) : null,
      classification,
      classifyError,
      match: null,
      state: 'failed',
    });
  });

  if (todo.length > 0) {
    const classified = todo.filter((p) => p.classification !== null);
    let matches: MatchResult[];
    try {
      matches = await matchBatch(
        ctx.db,
        classified.map((p) => ({
          classification: p.classification as Classification,
          clues: cluesOf(p.classification as Classification, {
            bounceDomain: ctx.config.bounceDomain,
            secret: ctx.config.secretKey,
          }),
          raw: p.item.raw,
        })),
      );
    } catch (err) {
      throw new DatabaseUnavailableError(err);
    }
    classified.forEach((p, i) => {
      const m = matches[i];
      p.match = m;
      if (m.unsubscribe === undefined) {
        p.state = stateFor((p.classification as Classification).kind, m.events.length);
      } else {
        p.state = m.unsubscribe ? 'processed' : 'unprocessed';
        if (!m.unsubscribe) {
          ctx.logger.warn({ identity: p.item.identity, hash: p.hash }, 'intake: mail to an unsubscribe address not validly signed; nothing changed');
        }
      }
    });
  }
  return { hashes: hashed.map((h) => h.hash), outcomes, firstOfHash, todo };
}

/** The writing half: one transaction for the batch (or, after a failure, one per message). */
export async function commitBatch(ctx: AppContext, batch: PreparedBatch, opts: PipelineOptions = {}): Promise<IngestOutcome[]> {
  const { outcomes, firstOfHash, todo } = batch;
  if (todo.length > 0) {
    for (const o of await applyWithFallback(ctx, todo, opts)) outcomes[o.index] = o.outcome;
    await raiseReputationAlarms(ctx, todo);
  }
  // Later copies of the same bytes in this batch share the first one's fate, as duplicates.
  batch.hashes.forEach((hash, index) => {
    if (outcomes[index]) return;
    const first = outcomes[firstOfHash.get(hash) as number] as IngestOutcome;
    outcomes[index] = { ...first, duplicate: true, events: 0, scored: 0 };
  });
  return outcomes as IngestOutcome[];
}

/** After the commit: refusals of *us* (blocked) coming back as DSNs may be a sender-reputation spike. */
async function raiseReputationAlarms(ctx: AppContext, todo: Prepared[]): Promise<void> {
  const listIds = todo.flatMap((p) =>
    (p.match?.events ?? []).filter((e) => e.category === 'blocked' && e.listId !== null).map((e) => e.listId as number),
  );
  if (listIds.length === 0) return;
  try {
    await checkSenderReputation(ctx.db, listIds, ctx.clock.today(), ctx.clock.now(), ctx.config.adminEmail);
  } catch (err) {
    // The alarm is advice; the bounces are already safely stored.
    ctx.logger.warn({ err }, 'intake: sender-reputation check failed');
  }
}

async function applyWithFallback(
  ctx: AppContext,
  todo: Prepared[],
  opts: PipelineOptions,
): Promise<{ index: number; outcome: IngestOutcome }[]> {
  try {
    return await apply(ctx, todo, opts);
  } catch (err) {
    await rethrowUnlessPoison(ctx, err);
    if (todo.length === 1) return [{ index: todo[0].index, outcome: await keepPoison(ctx, todo[0], err) }];
    // Find the message(s) to blame: each alone. Whether a failure is poison or an outage is decided by the
    // database's health (rethrowUnlessPoison), not by how many failed: three poison messages in a row must
    // not stop the mailbox.
    const out: { index: number; outcome: IngestOutcome }[] = [];
    const failures: { p: Prepared; err: unknown }[] = [];
    for (const p of todo) {
      try {
        out.push(...(await apply(ctx, [p], opts)));
      } catch (e) {
        await rethrowUnlessPoison(ctx, e);
        failures.push({ p, err: e });
      }
    }
    for (const f of failures) out.push({ index: f.p.index, outcome: await keepPoison(ctx, f.p, f.err) });
    return out;
  }
}

async function rethrowUnlessPoison(ctx: AppContext, err: unknown): Promise<void> {
  if (err instanceof PassAborted) throw err;
  if (isTransientDbError(err) || !(await databaseAnswers(ctx.db as Kysely<unknown>))) throw new DatabaseUnavailableError(err);
}

async function keepPoison(ctx: AppContext, p: Prepared, err: unknown): Promise<IngestOutcome> {
  ctx.logger.error(
    { err, identity: p.item.identity, hash: p.hash },
    'intake: a message broke the pipeline; kept as failed and filed to Quarantine',
  );
  return storeFailed(ctx, p, errorText(err));
}

/**
 * The raw bytes as a bytea value. PGlite turns a Uint8Array parameter into hex one byte at a time
 * (`Array.from(bytes).map(…).join('')`): for a 25 MB bounce that was 8 s of blocked event loop and ~1.8 GB.
 * Base64 made by Buffer and decoded in SQL is the shortest text form (hex is half again as long, and PGlite
 * walks and copies the text several times). pg sends a Buffer as a binary parameter, as it is.
 */
function rawValue(ctx: AppContext, raw: Uint8Array): Buffer | RawBuilder<Buffer> {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return ctx.engine === 'pglite' ? sql<Buffer>`decode(${bytes.toString('base64')}, 'base64')` : bytes;
}

function rowOf(ctx: AppContext, p: Prepared, state: FinalState, error: string | null) {
  const c = p.classification;
  const id = p.item.identity;
  return {
    source: id.source,
    mailbox: id.mailbox ?? null,
    uidvalidity: id.uidvalidity ?? null,
    uid: id.uid ?? null,
    content_hash: p.hash,
    raw: rawValue(ctx, p.item.raw),
    size: p.item.raw.byteLength,
    message_id: c?.messageId ? cleanText(c.messageId, 998) : null,
    subject: c?.subject ? cleanText(c.subject, 998) : null,
    from_address: c?.from ? cleanText(c.from, 998) : null,
    kind: c?.kind ?? null,
    classification: c ? JSON.stringify(c) : null,
    state,
    error,
    target_folder: folderOf(state),
    received_at: ctx.clock.now(),
    processed_at: ctx.clock.now(),
  };
}

async function apply(ctx: AppContext, todo: Prepared[], opts: PipelineOptions): Promise<{ index: number; outcome: IngestOutcome }[]> {
  const today = ctx.clock.today();
  return ctx.db.transaction().execute(async (trx) => {
    const ids = new Map<number, number>(); // todo position -> inbound id
    const lost = new Set<number>(); // another worker stored it first
    const fresh = todo.map((p, i) => ({ p, i })).filter(({ p }) => p.retryId === null);
    if (fresh.length > 0) {
      const inserted = await trx
        .insertInto('inbound_messages')
        .values(fresh.map(({ p }) => rowOf(ctx, p, p.state, p.classifyError)))
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'content_hash'])
        .execute();
      const idByHash = new Map(inserted.map((r) => [r.content_hash, Number(r.id)]));
      for (const { p, i } of fresh) {
        const id = idByHash.get(p.hash);
        if (id === undefined) lost.add(i);
        else ids.set(i, id);
      }
    }
    for (const [i, p] of todo.entries()) {
      if (p.retryId === null) continue;
      const row = rowOf(ctx, p, p.state, p.classifyError);
      const updated = await trx
        .updateTable('inbound_messages')
        .set({
          kind: row.kind,
          classification: row.classification,
          message_id: row.message_id,
          subject: row.subject,
          from_address: row.from_address,
          state: row.state,
          error: row.error,
          target_folder: row.target_folder,
          processed_at: row.processed_at,
        })
        .where('id', '=', p.retryId)
        .where('state', 'in', ['failed', 'received'])
        .returning('id')
        .executeTakeFirst();
      if (updated) ids.set(i, p.retryId);
      else lost.add(i);
    }

    const events: BounceEventInput[] = [];
    const owner: number[] = [];
    for (const [i, p] of todo.entries()) {
      const id = ids.get(i);
      if (id === undefined || !p.match) continue;
      for (const e of p.match.events) {
        events.push({ ...e, source: p.item.identity.source, inboundMessageId: id });
        owner.push(i);
      }
    }
    const recorded = await recordBounceEvents(trx, events, today);
    const counts = new Map<number, { events: number; scored: number }>();
    for (const r of recorded) {
      const i = owner[r.index];
      const c = counts.get(i) ?? { events: 0, scored: 0 };
      if (r.id !== null) c.events++;
      if (r.scored) c.scored++;
      counts.set(i, c);
    }

    for (const [i, p] of todo.entries()) {
      const u = p.match?.delivery;
      if (!u || !ids.has(i)) continue;
      await trx
        .updateTable('deliveries')
        .set({
          ...(u.status ? { status: u.status } : {}),
          ...(u.status === 'bounced' ? { bounce_category: u.category } : {}),
          ...(u.error ? { last_error: cleanText(u.error, 2000) } : {}),
          updated_at: ctx.clock.now(),
        })
        .where('id', '=', u.deliveryId)
        .where('status', 'in', DELIVERY_FROM[u.status ?? 'note'])
        .execute();
    }

    for (const [i, p] of todo.entries()) {
      const u = p.match?.unsubscribe;
      const id = ids.get(i);
      if (u && id !== undefined) await unsubscribeByMail(ctx, trx, u, id);
    }

    if (opts.beforeCommit) await opts.beforeCommit(trx);

    let lostRows: Existing[] = [];
    if (lost.size > 0) {
      lostRows = await findExisting(
        trx,
        [...lost].map((i) => ({ hash: todo[i].hash, identity: todo[i].item.identity })),
      );
    }
    return todo.map((p, i) => {
      if (lost.has(i)) {
        const e = lostRows.find((r) => r.content_hash === p.hash) ?? lostRows[0];
        const outcome: IngestOutcome = e
          ? duplicateOutcome(e, p.hash)
          : { ...failedOutcome(p, 'stored concurrently but not found'), duplicate: true };
        return { index: p.index, outcome };
      }
      const c = counts.get(i) ?? { events: 0, scored: 0 };
      return {
        index: p.index,
        outcome: {
          inboundId: ids.get(i) ?? null,
          state: p.state,
          folder: folderOf(p.state),
          duplicate: false,
          kind: p.classification?.kind ?? null,
          events: c.events,
          scored: c.scored,
          error: p.classifyError,
          contentHash: p.hash,
        },
      };
    });
  });
}

/**
 * Mail to the member's signed List-Unsubscribe address: the same as the signed https link (audited as the
 * member, the `unsubscribed` notice once a day), in the message's transaction, so a message seen again
 * changes nothing; a member already gone stays as it is.
 */
async function unsubscribeByMail(ctx: AppContext, trx: Transaction<Database>, u: UnsubscribeRequest, inboundId: number): Promise<void> {
  const today = ctx.clock.today();
  const actor = { type: 'member' as const, id: null, label: u.address };
  const r = await applyOperation(trx, actor, u.memberId, today, 'unsubscribe', { via: 'mail', inboundMessageId: inboundId });
  if (!r.ok || !r.changed) return;
  await queueNotice(trx, {
    type: 'unsubscribed',
    listId: u.listId,
    memberId: u.memberId,
    to: r.address,
    dedupeKey: `unsubscribed:${u.memberId}:${today}`,
    now: ctx.clock.now(),
  });
  ctx.logger.info({ listId: u.listId, memberId: u.memberId, inboundId }, 'intake: unsubscribed by mail to the List-Unsubscribe address');
}

function failedOutcome(p: Prepared, error: string): IngestOutcome {
  return {
    inboundId: null,
    state: 'failed',
    folder: FOLDERS.quarantine,
    duplicate: false,
    kind: p.classification?.kind ?? null,
    events: 0,
    scored: 0,
    error,
    contentHash: p.hash,
  };
}

/** Keeps a poison message: raw, classification if any, the error. Nothing is applied. */
async function storeFailed(ctx: AppContext, p: Prepared, error: string): Promise<IngestOutcome> {
  try {
    let id: number | null = p.retryId;
    if (id === null) {
      // Without the classification: it may be what the database refused.
      const row = await ctx.db
        .insertInto('inbound_messages')
        .values({ ...rowOf(ctx, p, 'failed', error), classification: null })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      id = row ? Number(row.id) : null;
    } else {
      await ctx.db.updateTable('inbound_messages').set({ error }).where('id', '=', id).execute();
    }
    if (id === null) {
      const [e] = await findExisting(ctx.db, [{ hash: p.hash, identity: p.item.identity }]);
      if (e) return duplicateOutcome(e, p.hash);
    }
    return { ...failedOutcome(p, error), inboundId: id };
  } catch (err) {
    // Cannot even keep it: if the database is away, leave it where it is and try again later; else the
    // server copy (filed to Quarantine) is all there is, and the log says so.
    if (isTransientDbError(err) || !(await databaseAnswers(ctx.db as Kysely<unknown>))) throw new DatabaseUnavailableError(err);
    ctx.logger.error({ err, identity: p.item.identity, hash: p.hash }, 'intake: could not store a failed message');
    return failedOutcome(p, `${error}; not stored: ${errorText(err)}`);
  }
}
