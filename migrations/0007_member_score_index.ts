// Score order goes through (list_id, status, score, id) only (0006): with 0004's (list_id, score, id) beside
// it, the planner took that one for a status-filtered page too and walked past every higher-scored member of
// the other statuses. The unfiltered score order merges one walk per status (members/directory.ts).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists members_list_score`.execute(db);
}
