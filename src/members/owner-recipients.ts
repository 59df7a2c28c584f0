// Who the "owners" of a list are for notices: its owner address and the active staff given access to it.
import { sql, type RawBuilder } from 'kysely';

/**
 * A SQL row source `(list_id, address)` of owner recipients for the list ids produced by `listIds`
 * (a subquery or a single value). Set-based so the job can join it against thousands of members.
 */
export function ownerRecipientsSql(listIds: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(
    select l.id as list_id, lower(btrim(l.owner_address)) as address
      from lists l
     where l.id in (${listIds}) and l.owner_address is not null and btrim(l.owner_address) <> ''
    union
    select a.list_id, su.email as address
      from staff_list_access a
      join staff_users su on su.id = a.user_id and su.active
     where a.list_id in (${listIds})
  )`;
}
