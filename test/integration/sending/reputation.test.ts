// Send-time refusals of the sender ("blocked using Spamhaus") are bounce events of category blocked: they do not
// score the members, and a spike raises the owners' sender-reputation alarm once a day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { startSink, type Sink } from '../../helpers/mail.js';
import { createListWithMembers } from './fixtures.js';

describe('sender reputation alarm', () => {
  let ctx: TestContext;
  let sink: Sink;

  beforeAll(async () => {
    sink = await startSink({
      decide: (address) =>
        address.startsWith('blocked')
          ? { code: 554, message: '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org' }
          : 'accept',
    });
    ctx = await createTestContext({ env: { SMTP_URL: sink.url } });
  });

  afterAll(async () => {
    await sink?.close();
    await ctx?.close();
  });

  it('blocked refusals do not score members; 12 of 20 in a day queue one owner_reputation notice', async () => {
    const addresses = [
      ...Array.from({ length: 12 }, (_, i) => `blocked${i}@ok.example.test`),
      ...Array.from({ length: 8 }, (_, i) => `fine${i}@ok.example.test`),
    ];
    const { listId } = await createListWithMembers(ctx.db, 'rep', addresses, { ownerAddress: 'boss@ok.example.test' });
    for (let round = 0; round < 2; round++) {
      const post = await createPost(ctx.db, SYSTEM, { listId, subject: `Round ${round}`, text: 'x', html: null }, ctx.clock);
      if (!post.ok) throw new Error(post.error);
      await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
      const sender = new Sender(ctx);
      try {
        await sender.drain();
      } finally {
        await sender.stop();
      }
    }
    const events = await ctx.db.selectFrom('bounce_events').select(['category', 'reason', 'weight']).where('list_id', '=', listId).execute();
    expect(events).toHaveLength(24);
    expect(events.every((e) => e.category === 'blocked' && e.weight === 0)).toBe(true);
    const scored = await ctx.db.selectFrom('members').select('id').where('list_id', '=', listId).where('score', '>', 0).execute();
    expect(scored).toEqual([]);

    const notices = await ctx.db.selectFrom('notices').select(['type', 'to_address', 'status', 'payload']).where('type', '=', 'owner_reputation').execute();
    expect(notices).toHaveLength(1); // once a day, however many posts
    expect(notices[0]).toMatchObject({ to_address: 'boss@ok.example.test', status: 'sent' });
    expect(notices[0].payload).toMatchObject({ listId, blocked: 12 });
    const mail = await sink.waitFor((m) => m.rcptTo.includes('boss@ok.example.test'));
    expect(mail.raw.toString()).toContain('Sender reputation alarm');
  });
});
