// recordBounceEvents on both engines: weights and effects, once a day with the day's largest weight
// whatever the order, complaints, members not enabled, duplicates of the same message.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBounceEvents, type BounceEventInput } from '../../../src/members/scoring.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { makeList, makeListAdmin, makeMembers } from './fixtures.js';

describe.each(ENGINES)('scoring on %s', (engine) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ engine });
  }, 60_000);
  afterAll(async () => ctx?.close());

  const TODAY = '2026-04-10';

  function ev(listId: number, memberId: number | null, over: Partial<BounceEventInput> = {}): BounceEventInput {
    return {
      listId,
      memberId,
      address: 'someone@example.org',
      kind: 'bounce',
      category: 'hard',
      reason: 'userunknown',
      status: '5.1.1',
      diagnostic: '550 5.1.1 no such user',
      remoteMta: 'mx.example.org',
      source: 'imap',
      ...over,
    };
  }

  const member = (id: number) => ctx.db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  describe('recording bounce events', () => {
    it('scores hard 1 and soft 0.5, once a day with the largest weight, in any order within a batch', async () => {
      const listId = await makeList(ctx.db);
      const [a, b, c] = await makeMembers(ctx.db, listId, 3);
      const res = await recordBounceEvents(
        ctx.db,
        [ev(listId, a, { category: 'soft' }), ev(listId, b), ev(listId, a), ev(listId, b, { category: 'soft' }), ev(listId, c, { category: 'soft' }), ev(listId, c, { category: 'soft' })],
        TODAY,
      );
      expect((await member(a)).score).toBe(1);
      expect((await member(b)).score).toBe(1);
      expect((await member(c)).score).toBe(0.5);
      expect(res.map((r) => r.effect)).toEqual(['same_day', 'scored', 'scored', 'same_day', 'scored', 'same_day']);
      // Later the same day, a soft adds nothing to a; a hard lifts c from 0.5 to 1.
      const later = await recordBounceEvents(ctx.db, [ev(listId, a, { category: 'soft' }), ev(listId, c)], TODAY);
      expect(later.map((r) => r.effect)).toEqual(['same_day', 'raised']);
      expect((await member(c)).score).toBe(1);
      const rows = await ctx.db.selectFrom('bounce_events').selectAll().where('member_id', '=', c).orderBy('id').execute();
      expect(rows.map((r) => [r.weight, r.scored_on, r.effect])).toEqual([
        [0.5, TODAY, 'scored'],
        [0.5, null, 'same_day'],
        [1, TODAY, 'raised'],
      ]);
    });

    it('resets a stale score and adds on a later day', async () => {
      const listId = await makeList(ctx.db);
      const [stale, fresh] = await makeMembers(ctx.db, listId, 2, { score: 3, last_bounce_date: '2026-04-02', last_bounce_increment: 1 });
      await sql`update members set last_bounce_date = '2026-04-03' where id = ${fresh}`.execute(ctx.db);
      const res = await recordBounceEvents(ctx.db, [ev(listId, stale), ev(listId, fresh, { category: 'soft' })], TODAY);
      expect(res.map((r) => r.effect)).toEqual(['stale_reset', 'scored']);
      expect((await member(stale)).score).toBe(1);
      expect((await member(fresh)).score).toBe(3.5);
    });

    it('records but does not score delays, auto-replies, blocked (weight 0), unknown members and members not enabled', async () => {
      const listId = await makeList(ctx.db);
      const [m] = await makeMembers(ctx.db, listId, 1);
      const [d] = await makeMembers(ctx.db, listId, 1, { status: 'disabled_by_bounce', score: 5 }, 'dis');
      const res = await recordBounceEvents(
        ctx.db,
        [
          ev(listId, m, { kind: 'delay', category: null }),
          ev(listId, m, { kind: 'autoreply', category: null }),
          ev(listId, m, { category: 'blocked', reason: 'blocked' }),
          ev(listId, null, { address: 'nobody@example.org' }),
          ev(listId, d),
        ],
        TODAY,
      );
      expect(res.map((r) => r.effect)).toEqual(['zero_weight', 'zero_weight', 'zero_weight', 'no_member', 'not_enabled']);
      expect((await member(m)).score).toBe(0);
      expect((await member(d)).score).toBe(5);
    });

    it('finds the member by address when only the list is known, and weighs blocked per the list', async () => {
      const listId = await makeList(ctx.db, { blocked_weight: 0.5 });
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'byaddr');
      const res = await recordBounceEvents(ctx.db, [ev(listId, null, { address: ' Byaddr0@Example.org ', category: 'blocked' })], TODAY);
      expect(res[0]).toMatchObject({ memberId: m, weight: 0.5, effect: 'scored' });
    });

    it('records an event of a message once (the same message again is a duplicate and scores nothing)', async () => {
      const listId = await makeList(ctx.db);
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'dup');
      const msg = await ctx.db
        .insertInto('inbound_messages')
        .values({ source: 'imap', content_hash: `h-${listId}`, raw: Buffer.from('x'), size: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const e = ev(listId, m, { address: 'dup0@example.org', inboundMessageId: Number(msg.id) });
      expect((await recordBounceEvents(ctx.db, [e], TODAY))[0].effect).toBe('scored');
      expect((await recordBounceEvents(ctx.db, [e], '2026-04-11'))[0]).toMatchObject({ id: null, effect: 'duplicate' });
      expect((await member(m)).score).toBe(1);
    });

    it('a complaint unsubscribes the member (audited as the system) and queues a notice to the owners', async () => {
      const listId = await makeList(ctx.db);
      await makeListAdmin(ctx.db, listId, `complaints-${listId}@example.org`);
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'fbl');
      const res = await recordBounceEvents(ctx.db, [ev(listId, m, { kind: 'complaint', category: null, feedbackType: 'abuse' })], TODAY);
      expect(res[0].effect).toBe('unsubscribed');
      expect((await member(m)).status).toBe('unsubscribed');
      const notices = await ctx.db.selectFrom('notices').selectAll().where('member_id', '=', m).execute();
      expect(notices.map((n) => [n.type, n.to_address]).sort()).toEqual([
        ['owner_complaint', `complaints-${listId}@example.org`],
        ['owner_complaint', 'owner@example.org'],
      ]);
      const audit = await ctx.db.selectFrom('audit_log').selectAll().where('member_id', '=', m).execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'system', action: 'member.unsubscribed_by_complaint' });
    });

    it('keeps the member on a complaint when the list says so', async () => {
      const listId = await makeList(ctx.db, { unsubscribe_on_complaint: false });
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'keep');
      const res = await recordBounceEvents(ctx.db, [ev(listId, m, { kind: 'complaint', category: null })], TODAY);
      expect(res[0].effect).toBe('complaint');
      expect((await member(m)).status).toBe('enabled');
    });

    it("gives the same scores whatever the order of a day's events across batches", async () => {
      const listId = await makeList(ctx.db);
      const ids = await makeMembers(ctx.db, listId, 2, {}, 'order');
      const day = [ev(listId, ids[0], { category: 'soft' }), ev(listId, ids[0]), ev(listId, ids[0], { category: 'soft' })];
      for (const e of day) await recordBounceEvents(ctx.db, [e], TODAY);
      for (const e of [...day].reverse()) await recordBounceEvents(ctx.db, [{ ...e, memberId: ids[1] }], TODAY);
      expect((await member(ids[0])).score).toBe(1);
      expect((await member(ids[1])).score).toBe(1);
    });

    it('two concurrent batches for one member the same day add one increment, not two', async () => {
      const listId = await makeList(ctx.db);
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'race');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let firstDone!: () => void;
      const first = new Promise<void>((r) => (firstDone = r));
      const a = ctx.db.transaction().execute(async (trx) => {
        await recordBounceEvents(trx, [ev(listId, m)], TODAY);
        firstDone();
        await gate;
      });
      await first;
      // B reads the member as not yet scored today, then waits for A's row lock.
      const b = ctx.db.transaction().execute((trx) => recordBounceEvents(trx, [ev(listId, m)], TODAY));
      await new Promise((r) => setTimeout(r, 300));
      release();
      await Promise.all([a, b]);
      expect(await member(m)).toMatchObject({ score: 1, last_bounce_date: TODAY, last_bounce_increment: 1 });
    });

    it('runs inside the caller\'s transaction (rolled back with it)', async () => {
      const listId = await makeList(ctx.db);
      const [m] = await makeMembers(ctx.db, listId, 1, {}, 'trx');
      await expect(
        ctx.db.transaction().execute(async (trx) => {
          await recordBounceEvents(trx, [ev(listId, m)], TODAY);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      expect((await member(m)).score).toBe(0);
      expect(await ctx.db.selectFrom('bounce_events').selectAll().where('member_id', '=', m).execute()).toHaveLength(0);
    });
  });
});
