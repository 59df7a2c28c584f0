// What the admin UI reads about the intake: per-mailbox status, the messages waiting for a person
// (unrecognised bounces, unprocessed mail, failures), and the raw message behind any event.
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { InboundState, MessageKind, Source } from '../db/schema.js';

export interface MailboxStatusView {
  name: string;
  folder: string | null;
  host: string | null;
  /** Configured now (a row may remain from a mailbox removed from the configuration). */
  configured: boolean;
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  messagesProcessed: number;
  lagSeconds: number | null;
  /** True when the last poll failed, or no poll succeeded within three poll intervals. */
  unhealthy: boolean;
}

export async function mailboxStatuses(db: Db, config: Pick<Config, 'imapMailboxes' | 'imapPollSeconds'>, now: Date): Promise<MailboxStatusView[]> {
  const rows = await db.selectFrom('mailbox_status').selectAll().orderBy('name').execute();
  const byName = new Map(rows.map((r) => [r.name, r]));
  const names = [...new Set([...config.imapMailboxes.map((m) => m.name), ...rows.map((r) => r.name)])];
  const staleMs = config.imapPollSeconds * 3000 + 60_000;
  return names.map((name) => {
    const m = config.imapMailboxes.find((x) => x.name === name);
    const r = byName.get(name);
    const lastSuccessAt = r?.last_success_at ?? null;
    const lastErrorAt = r?.last_error_at ?? null;
    const failing = !!(r?.last_error && lastErrorAt && (!lastSuccessAt || lastErrorAt >= lastSuccessAt));
    const stale = !!m && (!lastSuccessAt || now.getTime() - lastSuccessAt.getTime() > staleMs);
    return {
      name,
      folder: m?.folder ?? null,
      host: m ? `${m.host}:${m.port}` : null,
      configured: !!m,
      lastPollAt: r?.last_poll_at ?? null,
      lastSuccessAt,
      lastError: r?.last_error ?? null,
      lastErrorAt,
      messagesProcessed: Number(r?.messages_processed ?? 0),
      lagSeconds: r?.lag_seconds ?? null,
      unhealthy: failing || stale,
    };
  });
}

export interface InboundSummary {
  id: number;
  source: Source;
  mailbox: string | null;
  state: InboundState;
  kind: MessageKind | null;
  subject: string | null;
  fromAddress: string | null;
  messageId: string | null;
  size: number;
  error: string | null;
  targetFolder: string | null;
  receivedAt: Date;
  movedAt: Date | null;
  /** Addresses the classifier found (failed recipients, complained-about address), for a person to look at. */
  addresses: string[];
}

/**
 * Messages in one state, newest first, keyset-paginated by id (`beforeId` = the last id of the previous page).
 * Default: unrecognised bounces (naming no member), the ones admins are asked to look at.
 */
export async function listInbound(
  db: Db,
  opts: { state?: Exclude<InboundState, 'received'>; limit?: number; beforeId?: number } = {},
): Promise<InboundSummary[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  let q = db
    .selectFrom('inbound_messages')
    .select([
      'id',
      'source',
      'mailbox',
      'state',
      'kind',
      'subject',
      'from_address',
      'message_id',
      'size',
      'error',
      'target_folder',
      'received_at',
      'moved_at',
      'classification',
    ])
    .where('state', '=', opts.state ?? 'unrecognised')
    .orderBy('id', 'desc')
    .limit(limit);
  if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
  const rows = await q.execute();
  return rows.map((r) => {
    const c = (r.classification ?? null) as { recipients?: { address?: string }[]; complaint?: { address?: string | null } | null } | null;
    const addresses = [
      ...(c?.recipients ?? []).map((x) => x.address),
      ...(c?.complaint?.address ? [c.complaint.address] : []),
    ].filter((a): a is string => typeof a === 'string' && a !== '');
    return {
      id: Number(r.id),
      source: r.source,
      mailbox: r.mailbox,
      state: r.state,
      kind: r.kind,
      subject: r.subject,
      fromAddress: r.from_address,
      messageId: r.message_id,
      size: r.size,
      error: r.error,
      targetFolder: r.target_folder,
      receivedAt: r.received_at,
      movedAt: r.moved_at,
      addresses: [...new Set(addresses)],
    };
  });
}

/** Counts per state, for a dashboard badge ("12 unrecognised bounces, 1 failed"). */
export async function inboundCounts(db: Db): Promise<Record<Exclude<InboundState, 'received'>, number>> {
  const rows = await db
    .selectFrom('inbound_messages')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const out = { processed: 0, unrecognised: 0, unprocessed: 0, failed: 0 };
  for (const r of rows) if (r.state in out) out[r.state as keyof typeof out] = Number(r.n);
  return out;
}

export interface RawMessage {
  inboundId: number;
  raw: Buffer;
  /** A safe download name: `bounce-<id>.eml`. */
  filename: string;
  subject: string | null;
}

/** The stored message, byte for byte, for download (`message/rfc822`). */
export async function rawMessage(db: Db, inboundId: number): Promise<RawMessage | null> {
  const r = await db
    .selectFrom('inbound_messages')
    .select(['id', 'raw', 'subject'])
    .where('id', '=', inboundId)
    .executeTakeFirst();
  if (!r) return null;
  return { inboundId: Number(r.id), raw: Buffer.from(r.raw), filename: `bounce-${Number(r.id)}.eml`, subject: r.subject };
}

/** The raw message behind a bounce event (member page: "show the bounce"); null for events from SMTP or the CLI without one. */
export async function rawMessageForEvent(db: Db, eventId: number): Promise<RawMessage | null> {
  const e = await db.selectFrom('bounce_events').select('inbound_message_id').where('id', '=', eventId).executeTakeFirst();
  if (!e || e.inbound_message_id === null) return null;
  return rawMessage(db, Number(e.inbound_message_id));
}
