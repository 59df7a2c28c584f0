// The member table's keyset paging: walking every page forward, then back, gives each member once, in order.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../../src/db/schema.js';
import { countMatches, findMembers, type MemberQuery, type MemberSort } from '../../../src/members/directory.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

let ctx: TestContext;
let listId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  const l = await ctx.db.insertInto('lists').values({ name: 'paging', display_name: 'Paging', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
  listId = l.id;
  // 237 members; scores repeat (ties are broken by id), statuses mixed, and a % and _ in addresses for LIKE escaping.
  await sql`
    insert into members (list_id, address, status, score)
    select ${listId}, case when g = 7 then 'pct%sign@example.org' when g = 8 then 'under_score@example.org' else 'm' || g || '@d' || (g % 3) || '.example' end,
           case when g % 5 = 0 then 'disabled_by_bounce' when g % 7 = 0 then 'unsubscribed' else 'enabled' end,
           (g % 4) * 0.5
    from generate_series(1, 237) g`.execute(ctx.db);
});
afterAll(async () => {
  await ctx?.close();
});

async function walk(query: MemberQuery): Promise<{ forward: number[]; backward: number[] }> {
  const forward: number[] = [];
  let after: string | null = null;
  let lastPrev: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await findMembers(ctx.db, listId, { ...query, after, limit: 20 });
    forward.push(...page.rows.map((r) => r.id));
    lastPrev = page.prev;
    if (!page.next) break;
    after = page.next;
  }
  // From the last page, walk back with the prev cursors.
  const backward: number[] = [];
  let before = lastPrev;
  const lastPage = forward.slice(-(forward.length % 20 || 20));
  backward.unshift(...lastPage);
  for (let i = 0; i < 100 && before; i++) {
    const page = await findMembers(ctx.db, listId, { ...query, before, limit: 20 });
    backward.unshift(...page.rows.map((r) => r.id));
    before = page.prev;
  }
  return { forward, backward };
}

async function expected(status: MemberStatus | null, orderBy: string, where = sql`true`): Promise<number[]> {
  const rows = await sql<{ id: number }>`select id from members where list_id = ${listId} and (${status}::text is null or status = ${status}) and ${where} order by ${sql.raw(orderBy)}`.execute(ctx.db);
  return rows.rows.map((r) => Number(r.id));
}

describe('findMembers keyset paging', () => {
  const orders: Record<MemberSort, string> = {
    address: 'address asc',
    '-address': 'address desc',
    '-score': 'score desc, id desc',
    '-subscribed': 'id desc',
  };
  for (const sort of Object.keys(orders) as MemberSort[]) {
    for (const status of [null, 'disabled_by_bounce'] as (MemberStatus | null)[]) {
      it(`walks every page of sort ${sort}${status ? ` with status ${status}` : ''} forward and back`, async () => {
        const want = await expected(status, orders[sort]);
        const { forward, backward } = await walk({ sort, status });
        expect(forward).toEqual(want);
        expect(backward).toEqual(want);
      });
    }
  }

  it('searches literally: % and _ in a search term match only themselves', async () => {
    const pct = await findMembers(ctx.db, listId, { q: 'pct%s' });
    expect(pct.rows.map((r) => r.address)).toEqual(['pct%sign@example.org']);
    const under = await findMembers(ctx.db, listId, { q: 'r_s' });
    expect(under.rows.map((r) => r.address)).toEqual(['under_score@example.org']);
    expect(await countMatches(ctx.db, listId, { q: 'd1.example' })).toEqual({ n: 78, capped: false }); // g % 3 = 1 for 79 of 1..237, less g = 7
  });

  it('finds a whole address by the local part’s trigrams and checks the domain too', async () => {
    expect((await findMembers(ctx.db, listId, { q: 'm10@d1.example' })).rows.map((r) => r.address)).toEqual(['m10@d1.example']);
    expect((await findMembers(ctx.db, listId, { q: 'm10@d2.example' })).rows).toEqual([]);
    expect((await findMembers(ctx.db, listId, { q: 'm1', match: 'prefix', limit: 500 })).rows.every((r) => r.address.startsWith('m1'))).toBe(true);
  });
});
