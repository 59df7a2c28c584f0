// The audit log: every change made by staff, members or the system, written in the caller's transaction.
import type { Kysely, Transaction } from 'kysely';
import type { ActorType, Database } from './db/schema.js';

export interface Actor {
  type: ActorType;
  id: number | null;
  label: string;
}

export const SYSTEM: Actor = { type: 'system', id: null, label: 'system' };

export interface AuditEntry {
  action: string;
  listId?: number | null;
  memberId?: number | null;
  details?: Record<string, unknown>;
}

export async function audit(
  db: Kysely<Database> | Transaction<Database>,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_type: actor.type,
      actor_id: actor.id,
      actor_label: actor.label,
      action: entry.action,
      list_id: entry.listId ?? null,
      member_id: entry.memberId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
