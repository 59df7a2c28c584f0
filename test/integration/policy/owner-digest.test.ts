// Owners get one digest per job run instead of one mail per member: a run that disables 50 members gives each
// owner (the list's owner address and each list admin) ONE mail naming the 50, sent through the real sender to
// the file outbox, and a rerun sends nothing again (on real PostgreSQL and on PGlite); a big run lists the first
// 500 and counts the rest.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBounceJob } from '../../../src/jobs/bounce-job.js';
import { renderNotice } from '../../../src/notices/render.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { makeList, makeListAdmin, makeMembers } from './fixtures.js';

async function ownerMails(ctx: TestContext): Promise<Map<string, Array<{ subject: string; text: string }>>> {
  const sender = new Sender(ctx, { lanes: 1 });
  try {
    await sender.drain();
  } finally {
    await sender.stop();
  }
  const dir = outboxDir(ctx.config.dataDir);
  const byOwner = new Map<string, Array<{ subject: string; text: string }>>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
    const raw = readFileSync(path.join(dir, name));
    const mail = await simpleParser(raw);
    const to = /^Delivered-To: (.+)$/m.exec(raw.toString('latin1'))![1].trim();
    if (!mail.subject?.startsWith('[')) continue; // member notices have no [list] tag
    byOwner.set(to, [...(byOwner.get(to) ?? []), { subject: mail.subject, text: mail.text ?? '' }]);
  }
  return byOwner;
}

describe.each(['postgres', 'pglite'] as const)('owner digests (%s)', (engine) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ engine, start: '2026-03-02T10:00:00Z' });
  }, 60_000);
  afterAll(async () => ctx?.close());

  it('a run disabling 50 members sends each owner ONE mail naming the 50; a rerun sends nothing', async () => {
    const listId = await makeList(ctx.db, { owner_address: 'owner@ok.example.test' });
    await makeListAdmin(ctx.db, listId, `admin-${engine}@ok.example.test`);
    await makeMembers(ctx.db, listId, 50, { score: 5 }, 'dis');
    await makeMembers(ctx.db, listId, 3, { score: 1 }, 'fine');
    const run = await runBounceJob(ctx, { listIds: [listId], batchSize: 7 }); // several batches, one digest
    expect(run.totals).toMatchObject({ disabled: 50, memberNotices: 50, ownerNotices: 2 });

    const mails = await ownerMails(ctx);
    expect([...mails.keys()].sort()).toEqual([`admin-${engine}@ok.example.test`, 'owner@ok.example.test']);
    for (const [, list] of mails) {
      expect(list).toHaveLength(1);
      const [mail] = list;
      expect(mail.subject).toMatch(/Delivery disabled for 50 members$/);
      for (let i = 0; i < 50; i++) expect(mail.text).toContain(`- dis${i}@example.org (score 5)`);
      expect(mail.text).not.toContain('fine0@example.org');
      expect(mail.text).not.toContain('more.');
    }

    const again = await runBounceJob(ctx, { listIds: [listId] });
    expect(again.totals.ownerNotices).toBe(0);
    const owners = await ctx.db.selectFrom('notices').select('id').where('list_id', '=', listId).where('audience', '=', 'owner').execute();
    expect(owners).toHaveLength(2);
  });

});

describe('owner digests: the cap (postgres)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ start: '2026-03-02T10:00:00Z' });
  }, 60_000);
  afterAll(async () => ctx?.close());

  it('removals at once (no warnings), 600 members: one digest of each kind naming 500, "and 100 more"', async () => {
    const listId = await makeList(ctx.db, { owner_address: 'big-owner@ok.example.test', warnings: 0 });
    const name = (await ctx.db.selectFrom('lists').select('name').where('id', '=', listId).executeTakeFirstOrThrow()).name;
    await makeMembers(ctx.db, listId, 600, { score: 9 }, 'x');
    const run = await runBounceJob(ctx, { listIds: [listId] });
    expect(run.totals).toMatchObject({ disabled: 600, removed: 600, ownerNotices: 2 });
    const digests = await ctx.db
      .selectFrom('notices')
      .select(['id', 'list_id', 'member_id', 'to_address', 'type', 'audience', 'payload'])
      .where('list_id', '=', listId)
      .where('audience', '=', 'owner')
      .orderBy('type')
      .execute();
    // notify_owner_on_disable and notify_owner_on_removal are both on by default: one digest of each kind.
    expect(digests.map((d) => d.type)).toEqual(['owner_disabled', 'owner_removed']);
    const subjects: string[] = [];
    for (const d of digests) {
      expect(d.payload).toMatchObject({ count: 600, more: 100 });
      expect((d.payload as { members: unknown[] }).members).toHaveLength(500);
      const r = await renderNotice(ctx.db, ctx.config, { ...d, payload: d.payload as Record<string, unknown> }, ctx.clock.today());
      if (!r.ok) throw new Error(r.error);
      subjects.push(r.notice.subject);
      expect(r.notice.text).toContain('... and 100 more.');
      expect(r.notice.text).toContain('- x0@example.org');
      expect(r.notice.html).toContain(`/admin/lists/${listId}/members/`);
    }
    expect(subjects).toEqual([`[${name}] Delivery disabled for 600 members`, `[${name}] 600 members removed after bounces`]);
  });
});
