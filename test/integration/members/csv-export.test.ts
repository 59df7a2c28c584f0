// The CSV export on real PostgreSQL: every text column a spreadsheet could run as a formula is neutralised.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCsv, readCsv } from '../../../src/members/csv.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

let ctx: TestContext;
let listId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  listId = (await ctx.db.insertInto('lists').values({ name: 'export', display_name: 'Export', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await ctx?.close();
});

async function exported(): Promise<string> {
  let out = '';
  for await (const chunk of exportCsv(ctx.db, listId)) out += String(chunk);
  return out;
}

describe('CSV export', () => {
  it('neutralises formulas in the address column as in the name column', async () => {
    // Written straight to the table: "-x@…" and "+x@…" are valid addresses; the others stand for rows that
    // came in before today's address checks.
    const addresses = ['=hyperlink("http://evil.example")@example.org', '+1+1@example.org', '-2+3@example.org', '@sum(a1)@example.org', '\tx@example.org', '\rx@example.org'];
    await ctx.db
      .insertInto('members')
      .values(addresses.map((address) => ({ list_id: listId, address, display_name: '=1+1' })))
      .execute();
    await ctx.db.insertInto('members').values({ list_id: listId, address: 'plain@example.org', display_name: 'Plain' }).execute();
    const csv = await exported();
    const rows = readCsv(csv, ',');
    if (!Array.isArray(rows)) throw new Error(rows.error);
    const cells = rows.slice(1).map((r) => r.record.slice(0, 2));
    for (const [address, name] of cells.slice(0, addresses.length)) {
      expect(address.startsWith("'"), address).toBe(true);
      expect(name).toBe("'=1+1");
    }
    expect(cells.slice(0, addresses.length).map(([a]) => a.slice(1))).toEqual(addresses);
    expect(cells[addresses.length]).toEqual(['plain@example.org', 'Plain']);
  });
});
