// A job process killed (SIGKILL) half-way through a run on real PostgreSQL: the lock goes with it, the next
// run completes the work, and every notice exists exactly once.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBounceJob } from '../../../src/jobs/bounce-job.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { makeList, makeMembers } from './fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ engine: 'postgres', start: '2026-03-02T10:00:00Z' });
}, 60_000);
afterAll(async () => ctx?.close());

describe('a job process killed half-way', () => {
  it('is completed by the next run without a lost or doubled notice', async () => {
    const listId = await makeList(ctx.db);
    const fresh = await makeMembers(ctx.db, listId, 6, { score: 5 }, 'k');
    const due = await makeMembers(ctx.db, listId, 4, { status: 'disabled_by_bounce', score: 5, warnings_left: 1, warnings_sent: 2, last_warning_date: '2026-02-20', disabled_on: '2026-02-06' }, 'd');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'run-job-child.ts'), ctx.database.url!, '2026-03-02', String(listId), '8'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/^batch/gm) ?? []).length >= 8) resolve();
      });
      child.on('exit', () => reject(new Error(`child ended before it was killed: ${out}`)));
    });
    child.kill('SIGKILL'); // node itself (no wrapper process), as a crash or an OOM kill would
    await new Promise((r) => child.once('close', r));
    expect(out).not.toMatch(/done/);

    const before = await ctx.db.selectFrom('notices').select('id').where('list_id', '=', listId).execute();
    // Six members disabled (a member notice each, noted for the owner's digest), two of four warnings sent.
    expect(before).toHaveLength(6 + 2);
    expect(await ctx.db.selectFrom('owner_digest_items').select('member_id').where('list_id', '=', listId).execute()).toHaveLength(6);
    // While the killed session's lock is not yet freed a run may be skipped; it never runs twice.

    // PostgreSQL frees the dead session's advisory lock; the next run is not skipped.
    let rerun = await runBounceJob(ctx, { listIds: [listId] });
    for (let i = 0; rerun.status === 'skipped' && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rerun = await runBounceJob(ctx, { listIds: [listId] });
    }
    expect(rerun.status).toBe('succeeded');
    const notices = await ctx.db.selectFrom('notices').selectAll().where('list_id', '=', listId).execute();
    const count = (type: string, ids: number[]) => notices.filter((n) => n.type === type && ids.includes(Number(n.member_id))).length;
    expect(count('disabled', fresh)).toBe(6);
    expect(count('warning', due)).toBe(4);
    // The killed run's notes became the owner's digest (one, naming the six), sent by the next run.
    const digests = notices.filter((n) => n.type === 'owner_disabled');
    expect(digests).toHaveLength(1);
    expect((digests[0].payload as { members: Array<{ memberId: number }> }).members.map((m) => m.memberId).sort()).toEqual([...fresh].sort());
    expect(notices).toHaveLength(6 + 4 + 1);
    expect(await ctx.db.selectFrom('owner_digest_items').select('id').execute()).toEqual([]);
    const runs = await ctx.db.selectFrom('job_runs').selectAll().where('job', '=', 'bounce').orderBy('id').execute();
    expect(runs.some((r) => r.status === 'failed' && r.error === 'interrupted')).toBe(true);
  }, 120_000);
});
