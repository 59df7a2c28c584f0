// The bounce job on both engines: a run killed half-way then rerun, notices to the right people exactly once,
// the job_runs record; and on PostgreSQL, one runner at a time across instances (the advisory lock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../../src/db/index.js';
import { runBounceJob } from '../../../src/jobs/bounce-job.js';
import { startScheduler } from '../../../src/jobs/scheduler.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { makeList, makeListAdmin, makeMembers } from './fixtures.js';

describe.each(ENGINES)('on %s', (engine) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ engine, start: '2026-03-02T10:00:00Z' });
  }, 60_000);
  afterAll(async () => ctx?.close());

  async function noticesOf(listId: number) {
    return ctx.db.selectFrom('notices').selectAll().where('list_id', '=', listId).orderBy('id').execute();
  }

  describe('the bounce job', () => {
    it('disables members at the threshold, sends one notice each and tells the owner and the list admins in one digest each', async () => {
      const listId = await makeList(ctx.db);
      await makeListAdmin(ctx.db, listId, `admin-${listId}@example.org`);
      await makeListAdmin(ctx.db, listId, `gone-${listId}@example.org`, false);
      const over = await makeMembers(ctx.db, listId, 3, { score: 5 }, 'over');
      await makeMembers(ctx.db, listId, 2, { score: 4.5 }, 'under');
      const run = await runBounceJob(ctx, { listIds: [listId] });
      expect(run.status).toBe('succeeded');
      expect(run.lists[0]).toMatchObject({ disabled: 3, warned: 0, removed: 0, memberNotices: 3, ownerNotices: 2 });
      const notices = await noticesOf(listId);
      expect(notices.filter((n) => n.type === 'disabled').map((n) => Number(n.member_id)).sort()).toEqual([...over].sort());
      const owners = notices.filter((n) => n.type === 'owner_disabled');
      expect(owners.map((n) => n.to_address).sort()).toEqual([`admin-${listId}@example.org`, 'owner@example.org']);
      for (const o of owners) {
        expect(o.payload).toMatchObject({ listId, runId: run.runId, count: 3, more: 0 });
        const listed = (o.payload as { members: Array<{ memberId: number; address: string }> }).members;
        expect(listed.map((m) => m.memberId).sort()).toEqual([...over].sort());
        expect(listed.map((m) => m.address)).toEqual(['over0@example.org', 'over1@example.org', 'over2@example.org']);
      }
      expect(notices.find((n) => n.type === 'disabled')!.payload).toMatchObject({ listId, memberId: expect.any(Number) });
      const audit = await ctx.db.selectFrom('audit_log').select('action').where('list_id', '=', listId).execute();
      expect(audit.filter((a) => a.action === 'member.disabled_by_bounce')).toHaveLength(3);
      const jobRun = await ctx.db.selectFrom('job_runs').selectAll().where('id', '=', run.runId!).executeTakeFirstOrThrow();
      expect(jobRun).toMatchObject({ job: 'bounce', status: 'succeeded', run_date: '2026-03-02' });
      // A second run the same day has nothing to do.
      const again = await runBounceJob(ctx, { listIds: [listId] });
      expect(again.totals).toMatchObject({ disabled: 0, warned: 0, memberNotices: 0, ownerNotices: 0 });
    });

    it('a run killed half-way then rerun loses no notice and doubles none', async () => {
      const listId = await makeList(ctx.db);
      await makeListAdmin(ctx.db, listId, `admin2-${listId}@example.org`);
      const toDisable = await makeMembers(ctx.db, listId, 7, { score: 5 }, 'new');
      // Disabled a week ago, due their second notice; and some out of warnings, due removal.
      const due = await makeMembers(ctx.db, listId, 5, { status: 'disabled_by_bounce', score: 5, warnings_left: 2, warnings_sent: 1, last_warning_date: '2026-02-23', disabled_on: '2026-02-23' }, 'due');
      const gone = await makeMembers(ctx.db, listId, 3, { status: 'disabled_by_bounce', score: 5, warnings_left: 0, warnings_sent: 4, last_warning_date: '2026-02-23', disabled_on: '2026-02-02' }, 'gone');
      let batches = 0;
      const killed = await runBounceJob(ctx, {
        listIds: [listId],
        batchSize: 2,
        onBatch: () => {
          batches += 1;
          if (batches === 5) throw new Error('killed');
        },
      });
      expect(killed.status).toBe('failed');
      const partial = await noticesOf(listId);
      expect(partial.length).toBeGreaterThan(0);
      const rerun = await runBounceJob(ctx, { listIds: [listId], batchSize: 2 });
      expect(rerun.status).toBe('succeeded');
      const notices = await noticesOf(listId);
      const keys = notices.map((n) => n.dedupe_key);
      expect(new Set(keys).size).toBe(keys.length);
      const count = (type: string, ids: number[]) => notices.filter((n) => n.type === type && ids.includes(Number(n.member_id))).length;
      expect(count('disabled', toDisable)).toBe(7);
      expect(count('warning', due)).toBe(5);
      expect(count('removed', gone)).toBe(3);
      // Owners: a digest per run that changed something (the killed one and the rerun); together they name every
      // member exactly once, for each of the two owners.
      const named = (type: string, owner: string) =>
        notices
          .filter((n) => n.type === type && n.to_address === owner)
          .flatMap((n) => (n.payload as { members: Array<{ memberId: number }> }).members.map((m) => m.memberId));
      const digests = notices.filter((n) => n.type === 'owner_disabled' || n.type === 'owner_removed');
      for (const owner of ['owner@example.org', `admin2-${listId}@example.org`]) {
        expect(named('owner_disabled', owner).sort()).toEqual([...toDisable].sort());
        expect(named('owner_removed', owner).sort()).toEqual([...gone].sort());
      }
      expect(digests.length).toBeLessThanOrEqual(2 * 2 * 2);
      expect(notices).toHaveLength(7 + 5 + 3 + digests.length);
      // Once more: nothing new.
      await runBounceJob(ctx, { listIds: [listId] });
      expect(await noticesOf(listId)).toHaveLength(notices.length);
    });

    it('a run that died (left "running") is marked interrupted by the next run', async () => {
      const dead = await ctx.db.insertInto('job_runs').values({ job: 'bounce', run_date: '2026-03-01' }).returning('id').executeTakeFirstOrThrow();
      await runBounceJob(ctx, { listIds: [] });
      const row = await ctx.db.selectFrom('job_runs').selectAll().where('id', '=', dead.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'failed', error: 'interrupted' });
    });

    it('after downtime acts once on today and continues the schedule from the date a notice was sent', async () => {
      const listId = await makeList(ctx.db);
      const [id] = await makeMembers(ctx.db, listId, 1, { status: 'disabled_by_bounce', score: 5, warnings_left: 2, warnings_sent: 1, last_warning_date: '2026-02-01', disabled_on: '2026-02-01' });
      await runBounceJob(ctx, { listIds: [listId] });
      await runBounceJob(ctx, { listIds: [listId] });
      const m = await ctx.db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(m).toMatchObject({ status: 'disabled_by_bounce', warnings_left: 1, warnings_sent: 2, last_warning_date: '2026-03-02' });
      expect((await noticesOf(listId)).map((n) => n.type)).toEqual(['warning']);
    });

    it('leaves lists that do not process bounces alone', async () => {
      const listId = await makeList(ctx.db, { process_bounces: false });
      await makeMembers(ctx.db, listId, 2, { score: 9 });
      await runBounceJob(ctx);
      const statuses = await ctx.db.selectFrom('members').select('status').where('list_id', '=', listId).execute();
      expect(statuses.every((s) => s.status === 'enabled')).toBe(true);
    });

    it('the scheduler runs the job on its cron schedule and stops', async () => {
      const sctx = { ...ctx, config: { ...ctx.config, jobSchedule: '* * * * * *' } };
      const before = await ctx.db.selectFrom('job_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const stop = startScheduler(sctx, { listIds: [] });
      await new Promise((r) => setTimeout(r, 2500));
      await stop();
      const after = await ctx.db.selectFrom('job_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBeGreaterThan(Number(before.n));
    });
  });
});

describe('the bounce job with several instances on PostgreSQL', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ engine: 'postgres', start: '2026-03-02T10:00:00Z' });
  }, 60_000);
  afterAll(async () => ctx?.close());

  async function noticesOf(listId: number) {
    return ctx.db.selectFrom('notices').selectAll().where('list_id', '=', listId).orderBy('id').execute();
  }

  it('runs once when two runners start at the same time (advisory lock)', async () => {
    const listId = await makeList(ctx.db);
    await makeMembers(ctx.db, listId, 4, { score: 6 });
    const other: DatabaseHandle = await openDatabase({ databaseUrl: ctx.database.url, dataDir: null });
    try {
      const slow = { listIds: [listId], batchSize: 1, onBatch: () => new Promise<void>((r) => setTimeout(r, 150)) };
      const [a, b] = await Promise.all([
        runBounceJob(ctx, slow),
        runBounceJob({ ...ctx, db: other.db, engine: other.engine }, slow),
      ]);
      expect([a.status, b.status].sort()).toEqual(['skipped', 'succeeded']);
      const notices = await noticesOf(listId);
      expect(notices.filter((n) => n.type === 'disabled')).toHaveLength(4);
    } finally {
      await other.close();
    }
  });

  it('a second instance is refused while one holds the lock, and runs once it is free', async () => {
    const listId = await makeList(ctx.db);
    await makeMembers(ctx.db, listId, 2, { score: 6 });
    const other = await openDatabase({ databaseUrl: ctx.database.url, dataDir: null });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inside!: () => void;
      const entered = new Promise<void>((r) => (inside = r));
      const first = runBounceJob(ctx, { listIds: [listId], batchSize: 1, onBatch: async () => { inside(); await held; } });
      await entered;
      const second = await runBounceJob({ ...ctx, db: other.db, engine: other.engine }, { listIds: [listId] });
      expect(second.status).toBe('skipped');
      release();
      expect((await first).status).toBe('succeeded');
      const third = await runBounceJob({ ...ctx, db: other.db, engine: other.engine }, { listIds: [listId] });
      expect(third.status).toBe('succeeded');
    } finally {
      await other.close();
    }
  });
});
