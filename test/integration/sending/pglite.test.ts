// The embedded default end to end: PGlite + file outbox (what `npm start` runs with no configuration).
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { queueNotice } from '../../../src/notices/index.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('sending on PGlite with the file outbox', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext({ engine: 'pglite' });
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('sends a post and a notice to .eml files', async () => {
    const list = await ctx.db.insertInto('lists').values({ name: 'embedded', display_name: 'Embedded', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
    const m = await ctx.db
      .insertInto('members')
      .values(['a@ok.example.test', 'b@ok.example.test', 'c@ok.example.test'].map((address) => ({ list_id: list.id, address, score: 0, last_bounce_increment: 0 })))
      .returning('id')
      .execute();
    const post = await createPost(ctx.db, SYSTEM, { listId: list.id, subject: 'Local', text: 'Hi {{address}}', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
    await queueNotice(ctx.db, { type: 'welcome', listId: list.id, memberId: m[0].id, to: 'a@ok.example.test', now: ctx.clock.now() });
    const sender = new Sender(ctx, { lanes: 2 });
    try {
      expect(await sender.drain()).toEqual({ deliveries: 3, notices: 1 });
    } finally {
      await sender.stop();
    }
    expect((await postProgress(ctx.db, post.postId))).toMatchObject({ status: 'sent', counts: { sent: 3 } });
    expect(readdirSync(outboxDir(ctx.config.dataDir)).filter((n) => n.endsWith('.eml'))).toHaveLength(4);
  });
});
