// Blocked refusals that come back as DSNs (not only those at send time) raise the sender-reputation alarm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../../src/intake/pipeline.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { addMember, createList, makeDsn, verpFor } from './fixtures.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe('sender-reputation alarm from DSNs', () => {
  it('queues one owner notice when a day brings a spike of blocked refusals, and none for ordinary bounces', async () => {
    const list = await createList(ctx.db, 'rep');
    await ctx.db.updateTable('lists').set({ owner_address: 'owner@example.org' }).where('id', '=', list.id).execute();
    const quiet = await createList(ctx.db, 'quiet');
    const items = [];
    for (let i = 0; i < 12; i++) {
      const address = `m${i}@big.example`;
      const id = await addMember(ctx.db, list.id, address);
      items.push({
        raw: makeDsn({
          to: verpFor(ctx, 'rep', address, id),
          recipient: address,
          status: '5.7.1',
          diagnostic: '550 5.7.1 Service unavailable; client host blocked using a DNS blocklist',
        }),
        identity: { source: 'http' as const },
      });
      const other = `q${i}@small.example`;
      const qid = await addMember(ctx.db, quiet.id, other);
      items.push({ raw: makeDsn({ to: verpFor(ctx, 'quiet', other, qid), recipient: other }), identity: { source: 'http' as const } });
    }
    await ingestBatch(ctx, items);
    const notices = await ctx.db.selectFrom('notices').select(['list_id', 'type', 'to_address']).where('type', '=', 'owner_reputation').execute();
    expect(notices).toEqual([{ list_id: list.id, type: 'owner_reputation', to_address: 'owner@example.org' }]);
    const blocked = await ctx.db.selectFrom('bounce_events').select('category').where('list_id', '=', list.id).execute();
    expect(blocked.every((e) => e.category === 'blocked')).toBe(true);
  });
});
