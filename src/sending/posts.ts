// Posts: write, start (one delivery per enabled member, set-based), pause, resume, progress.
import { sql, type Kysely } from 'kysely';
import { audit, type Actor } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Database, DeliveryStatus, PostStatus } from '../db/schema.js';
import { checkPostTemplates } from './post-template.js';

type Db = Kysely<Database>;

export interface PostInput {
  listId: number;
  subject: string;
  text: string | null;
  html: string | null;
}

export type CreatePostResult =
  | { ok: true; postId: number }
  | { ok: false; error: 'no_list' | 'empty_subject' | 'no_body' | 'bad_template'; field?: string; detail?: string };

export async function createPost(db: Db, actor: Actor, input: PostInput, clock: Clock): Promise<CreatePostResult> {
  const subject = input.subject.replace(/[\r\n]+/g, ' ').trim();
  const text = input.text && input.text.trim() !== '' ? input.text : null;
  const html = input.html && input.html.trim() !== '' ? input.html : null;
  if (subject === '') return { ok: false, error: 'empty_subject' };
  if (text === null && html === null) return { ok: false, error: 'no_body' };
  const check = checkPostTemplates({ subject, text, html });
  if (!check.ok) return { ok: false, error: 'bad_template', field: check.field, detail: check.error };
  const list = await db.selectFrom('lists').select('id').where('id', '=', input.listId).executeTakeFirst();
  if (!list) return { ok: false, error: 'no_list' };
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('posts')
      .values({
        list_id: input.listId,
        subject,
        body_text: text,
        body_html: html,
        status: 'draft',
        created_by: actor.type === 'staff' ? actor.id : null,
        created_at: clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, actor, { action: 'post.created', listId: input.listId, details: { postId: row.id, subject } });
    return { ok: true as const, postId: row.id };
  });
}

export type PostActionResult =
  | { ok: true; status: PostStatus; total?: number }
  | { ok: false; error: 'not_found' | 'wrong_status'; status?: PostStatus };

/**
 * Queues the post for every member enabled at this moment, in one INSERT ... SELECT (a million members is one
 * statement, not a loop). Members who join later do not get it; members who leave before their turn are
 * skipped at send time.
 */
export async function startPost(db: Db, actor: Actor, postId: number, clock: Clock): Promise<PostActionResult> {
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').select(['id', 'list_id', 'status']).where('id', '=', postId).forUpdate().executeTakeFirst();
    if (!post) return { ok: false as const, error: 'not_found' as const };
    if (post.status !== 'draft') return { ok: false as const, error: 'wrong_status' as const, status: post.status };
    const inserted = await sql<{ n: number }>`
      with ins as (
        insert into deliveries (post_id, list_id, member_id, address, status, next_attempt_at, updated_at)
        select ${postId}, m.list_id, m.id, m.address, 'queued', ${now}, ${now}
          from members m
         where m.list_id = ${post.list_id} and m.status = 'enabled'
        on conflict (post_id, member_id) do nothing
        returning 1
      )
      select count(*)::int as n from ins`.execute(trx);
    const total = inserted.rows[0]?.n ?? 0;
    await trx
      .updateTable('posts')
      .set({ status: total > 0 ? 'sending' : 'sent', total, started_at: now, ...(total === 0 ? { finished_at: now } : {}) })
      .where('id', '=', postId)
      .execute();
    await audit(trx, actor, { action: 'post.started', listId: post.list_id, details: { postId, total } });
    return { ok: true as const, status: total > 0 ? ('sending' as const) : ('sent' as const), total };
  });
}

async function switchStatus(
  db: Db,
  actor: Actor,
  postId: number,
  from: PostStatus,
  to: PostStatus,
  action: string,
): Promise<PostActionResult> {
  return db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').select(['id', 'list_id', 'status']).where('id', '=', postId).forUpdate().executeTakeFirst();
    if (!post) return { ok: false as const, error: 'not_found' as const };
    if (post.status !== from) return { ok: false as const, error: 'wrong_status' as const, status: post.status };
    await trx.updateTable('posts').set({ status: to }).where('id', '=', postId).execute();
    await audit(trx, actor, { action, listId: post.list_id, details: { postId } });
    return { ok: true as const, status: to };
  });
}

/** Stops handing out the post's deliveries; those already handed to SMTP finish. */
export const pausePost = (db: Db, actor: Actor, postId: number) => switchStatus(db, actor, postId, 'sending', 'paused', 'post.paused');

export const resumePost = (db: Db, actor: Actor, postId: number) => switchStatus(db, actor, postId, 'paused', 'sending', 'post.resumed');

/** A draft can be cancelled; so can a paused post (its queued deliveries then never go out). */
export async function cancelPost(db: Db, actor: Actor, postId: number, clock: Clock): Promise<PostActionResult> {
  return db.transaction().execute(async (trx) => {
    const post = await trx.selectFrom('posts').select(['id', 'list_id', 'status']).where('id', '=', postId).forUpdate().executeTakeFirst();
    if (!post) return { ok: false as const, error: 'not_found' as const };
    if (post.status !== 'draft' && post.status !== 'paused') return { ok: false as const, error: 'wrong_status' as const, status: post.status };
    await trx.updateTable('posts').set({ status: 'cancelled', finished_at: clock.now() }).where('id', '=', postId).execute();
    await audit(trx, actor, { action: 'post.cancelled', listId: post.list_id, details: { postId } });
    return { ok: true as const, status: 'cancelled' as const };
  });
}

export interface PostProgress {
  postId: number;
  listId: number;
  subject: string;
  status: PostStatus;
  total: number;
  /** Deliveries by status (every status present, 0 when none). */
  counts: Record<DeliveryStatus, number>;
  /** Handed to the recipient's server (sent + delayed + delivered + bounced/complained later). */
  done: number;
  /** bounced + failed + complained: the red mark. */
  failures: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const ALL_STATUSES: DeliveryStatus[] = ['queued', 'sending', 'sent', 'delayed', 'delivered', 'deferred', 'failed', 'bounced', 'complained'];

export async function postProgress(db: Db, postId: number): Promise<PostProgress | null> {
  const post = await db
    .selectFrom('posts')
    .select(['id', 'list_id', 'subject', 'status', 'total', 'created_at', 'started_at', 'finished_at'])
    .where('id', '=', postId)
    .executeTakeFirst();
  if (!post) return null;
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', db.fn.countAll<number>().as('n')])
    .where('post_id', '=', postId)
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const r of rows) counts[r.status] = Number(r.n);
  return {
    postId: post.id,
    listId: post.list_id,
    subject: post.subject,
    status: post.status,
    total: post.total,
    counts,
    done: counts.sent + counts.delayed + counts.delivered + counts.bounced + counts.complained,
    failures: counts.bounced + counts.failed + counts.complained,
    createdAt: post.created_at,
    startedAt: post.started_at,
    finishedAt: post.finished_at,
  };
}

/**
 * Deliveries interrupted by a crash are failed, not re-sent (at-most-once, see README "Sending"). An admin who
 * prefers a possible duplicate to a missed post can put them back in the queue.
 */
export async function retryInterrupted(db: Db, actor: Actor, postId: number, clock: Clock): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('deliveries')
      .set({ status: 'queued', next_attempt_at: clock.now(), last_error: null, updated_at: clock.now() })
      .where('post_id', '=', postId)
      .where('status', '=', 'failed')
      .where('last_error', 'like', `${INTERRUPTED_PREFIX}%`)
      .executeTakeFirst();
    const n = Number(res.numUpdatedRows);
    if (n > 0) {
      const post = await trx.selectFrom('posts').select(['list_id', 'status']).where('id', '=', postId).executeTakeFirstOrThrow();
      if (post.status === 'sent') await trx.updateTable('posts').set({ status: 'sending', finished_at: null }).where('id', '=', postId).execute();
      await audit(trx, actor, { action: 'post.retry_interrupted', listId: post.list_id, details: { postId, deliveries: n } });
    }
    return n;
  });
}

export const INTERRUPTED_PREFIX = 'interrupted';
