// After a crash with the file outbox, the outbox itself says what went out: a finished `.eml` for a row still
// 'sending' means it was sent (the rename is the hand-over), no file means it was not. So rows of a writer that is
// gone are settled at once, without the lease: sent, or queued again (no one can get it twice: the writer is
// dead and its temporaries are swept first). Rows of a writer whose fate is unknown (another host on a shared
// folder) wait for the lease like SMTP rows; then a file still proves "sent", and no file follows the at-most-once
// rule (failed as interrupted), because that writer might still finish it.
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { OutboxRecovery } from './outbox.js';
import { INTERRUPTED_MESSAGE } from './queue.js';

export interface OutboxSettlement {
  /** Rows marked sent because their .eml exists. */
  sent: number;
  /** Rows of a dead writer with no .eml: never went out, queued again. */
  requeued: number;
  /** Rows past the lease, writer unknown, no .eml: failed as interrupted. */
  failed: number;
  /** Temporaries of dead writers removed. */
  swept: number;
}

export const REQUEUED_MESSAGE = 'the sender stopped before writing it to the outbox; queued again (it never went out)';

interface InFlight {
  kind: 'd' | 'n';
  id: number;
  claimed_by: string;
  claimed_at: Date;
}

export async function settleOutbox(
  db: Db,
  outbox: OutboxRecovery,
  now: Date,
  leaseMs: number,
  opts: { sweep?: boolean } = {},
): Promise<OutboxSettlement> {
  const result: OutboxSettlement = { sent: 0, requeued: 0, failed: 0, swept: 0 };
  // Temporaries first: a half-written file of a dead writer is not a message.
  if (opts.sweep) result.swept = await outbox.sweepTemporaries();
  const { rows } = await sql<InFlight>`
    select 'd' as kind, id, claimed_by, claimed_at from deliveries where status = 'sending' and claimed_by like 'file|%'
    union all
    select 'n' as kind, id, claimed_by, claimed_at from notices where status = 'sending' and claimed_by like 'file|%'`.execute(db);
  const cutoff = now.getTime() - leaseMs;
  const due = rows
    .map((r) => ({ ...r, state: outbox.writerState(r.claimed_by) }))
    .filter((r) => r.state === 'dead' || (r.state !== 'other' && new Date(r.claimed_at).getTime() <= cutoff));
  if (due.length === 0) return result;
  if (!opts.sweep) result.swept = await outbox.sweepTemporaries();
  const files = await outbox.finished();

  type Settled = { id: number; claimer: string; status: 'sent' | 'queued' | 'failed'; message_id: string | null; error: string | null };
  const deliveries: Settled[] = [];
  const notices: Settled[] = [];
  for (const r of due) {
    const file = files.get(`${r.kind}${r.id}`);
    const s: Settled = file
      ? { id: r.id, claimer: r.claimed_by, status: 'sent', message_id: await outbox.messageIdOf(file).catch(() => null), error: null }
      : r.state === 'dead'
        ? { id: r.id, claimer: r.claimed_by, status: 'queued', message_id: null, error: REQUEUED_MESSAGE }
        : { id: r.id, claimer: r.claimed_by, status: 'failed', message_id: null, error: INTERRUPTED_MESSAGE };
    (r.kind === 'd' ? deliveries : notices).push(s);
    result[s.status === 'sent' ? 'sent' : s.status === 'queued' ? 'requeued' : 'failed']++;
  }
  // `claimed_by = v.claimer`: a row claimed again meanwhile (by a live sender) is not touched.
  if (deliveries.length > 0) {
    await sql`
      update deliveries d
         set status = v.status,
             sent_at = case when v.status = 'sent' then ${now}::timestamptz else d.sent_at end,
             message_id = coalesce(v.message_id, d.message_id),
             last_error = v.error,
             next_attempt_at = case when v.status = 'queued' then ${now}::timestamptz else d.next_attempt_at end,
             claimed_at = null, claimed_by = null, updated_at = ${now}
        from jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb)
             as v(id bigint, claimer text, status text, message_id text, error text)
       where d.id = v.id and d.status = 'sending' and d.claimed_by = v.claimer`.execute(db);
  }
  if (notices.length > 0) {
    await sql`
      update notices n
         set status = v.status,
             sent_at = case when v.status = 'sent' then ${now}::timestamptz else n.sent_at end,
             last_error = v.error,
             next_attempt_at = case when v.status = 'queued' then ${now}::timestamptz else n.next_attempt_at end,
             claimed_at = null, claimed_by = null
        from jsonb_to_recordset(${JSON.stringify(notices)}::jsonb) as v(id bigint, claimer text, status text, error text)
       where n.id = v.id and n.status = 'sending' and n.claimed_by = v.claimer`.execute(db);
  }
  return result;
}
