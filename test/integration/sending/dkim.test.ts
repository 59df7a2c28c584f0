// DKIM_KEYS for the sending domain: posts go out signed by nodemailer's signer (d= the list domain).
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { startSink, type Sink } from '../../helpers/mail.js';
import { createListWithMembers } from './fixtures.js';

describe('DKIM signing', () => {
  let ctx: TestContext;
  let sink: Sink;

  beforeAll(async () => {
    sink = await startSink();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    ctx = await createTestContext({
      env: { SMTP_URL: sink.url, DKIM_KEYS: JSON.stringify([{ domain: 'lists.example.test', selector: 'lk1', privateKey: pem }]) },
    });
  });

  afterAll(async () => {
    await sink?.close();
    await ctx?.close();
  });

  it('signs posts for a domain with a key', async () => {
    const { listId } = await createListWithMembers(ctx.db, 'signed', ['a@ok.example.test', 'b@ok.example.test']);
    const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'Signed', text: 'Body', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
    const sender = new Sender(ctx);
    try {
      await sender.drain();
    } finally {
      await sender.stop();
    }
    expect((await postProgress(ctx.db, post.postId))!.counts.sent).toBe(2);
    const msg = await sink.waitFor((m) => m.rcptTo.includes('a@ok.example.test'));
    const raw = msg.raw.toString();
    expect(raw).toMatch(/^DKIM-Signature: .*d=lists\.example\.test/m);
    expect(raw).toMatch(/s=lk1/);
    expect(msg.mailFrom).toBe('signed-bounces+a=ok.example.test@lists.example.test');
  });
});
