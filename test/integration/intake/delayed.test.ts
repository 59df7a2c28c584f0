// The `delayed` delivery status, end to end on real services: a post goes out through the test Postfix to a
// recipient the next hop answers 452; Postfix sends a delay DSN to the VERP address (~3 s), the poller marks
// the delivery `delayed`; our send queue does not send it again (even with its retry time long past); the
// final DSN when Postfix gives up (~20 s) moves it on to `bounced`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SYSTEM } from '../../../src/audit.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createMailbox, postfixInfo, type TestMailbox } from '../../helpers/mail.js';
import { createListWithMembers } from '../sending/fixtures.js';
import { pollerFor, waitUntil } from './fixtures.js';

let ctx: TestContext;
let mb: TestMailbox;
beforeEach(async () => {
  mb = createMailbox();
  ctx = await createTestContext({ env: { SMTP_URL: postfixInfo().url, BOUNCE_DOMAIN: mb.bounceDomain, SMTP_MAX_CONNECTIONS: '1' } });
});
afterEach(async () => {
  await ctx.close();
});

describe('a delay DSN', () => {
  it('marks the delivery delayed, the queue leaves it alone, and the final DSN makes it bounced', async () => {
    const p = postfixInfo();
    const full = `full${Date.now()}@${p.deferDomain}`;
    const fine = `fine${Date.now()}@${p.okDomain}`;
    const { listId, members } = await createListWithMembers(ctx.db, 'slow', [full, fine]);
    const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'Issue 1', text: 'Hello', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
    const sender = new Sender(ctx);
    await sender.drain();
    await sender.stop();
    const delivery = () =>
      ctx.db
        .selectFrom('deliveries')
        .select(['id', 'status', 'attempts', 'bounce_category', 'last_error', 'next_attempt_at'])
        .where('member_id', '=', members.get(full) as number)
        .executeTakeFirstOrThrow();
    expect((await delivery()).status).toBe('sent'); // Postfix took it

    const poller = pollerFor(ctx, mb, { pollMs: 200 });
    poller.start();
    try {
      const delayed = await waitUntil('the delay DSN handled', async () => {
        const d = await delivery();
        return d.status === 'delayed' ? d : null;
      }, 20_000);
      expect(delayed.last_error).toMatch(/452/);
      const progress = await postProgress(ctx.db, post.postId);
      expect(progress).toMatchObject({ status: 'sent', counts: { delayed: 1, sent: 1, deferred: 0 }, done: 2, failures: 0 });

      // Our queue retries `deferred` rows whose time has come; a `delayed` one is never its business.
      await sql`update deliveries set next_attempt_at = now() - interval '1 hour' where id = ${delayed.id}`.execute(ctx.db);
      const again = new Sender(ctx);
      expect((await again.drain()).deliveries).toBe(0);
      await again.stop();
      expect(await delivery()).toMatchObject({ status: 'delayed', attempts: delayed.attempts });

      // Postfix gives up (maximal_queue_lifetime 20 s): the final DSN moves it forward.
      const bounced = await waitUntil('the final DSN handled', async () => {
        const d = await delivery();
        return d.status === 'bounced' ? d : null;
      }, 45_000);
      expect(bounced.bounce_category).not.toBeNull();
      const events = await ctx.db.selectFrom('bounce_events').select(['kind']).where('member_id', '=', members.get(full) as number).orderBy('id').execute();
      expect(events.map((e) => e.kind)).toEqual(['delay', 'bounce']);
    } finally {
      await poller.stop();
    }
  }, 90_000);
});
