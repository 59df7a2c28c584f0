// Through the test Postfix: a post to an unknown local user is accepted at SMTP time, Postfix bounces it to the
// VERP address, the DSN lands in Dovecot; the intake pipeline ties it back (VERP + tracking header) and the
// delivery is marked bounced (hard), with a bounce event for the member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { SYSTEM } from '../../../src/audit.js';
import { ingestMessage } from '../../../src/intake/pipeline.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { connectImap, createMailbox, postfixInfo, unknownUserAddress, waitForDsn, type TestMailbox } from '../../helpers/mail.js';
import { createListWithMembers } from './fixtures.js';

describe('a post through Postfix to an unknown user', () => {
  let ctx: TestContext;
  let mailbox: TestMailbox;
  let imap: ImapFlow;

  beforeAll(async () => {
    const postfix = postfixInfo();
    mailbox = createMailbox();
    ctx = await createTestContext({ env: { SMTP_URL: postfix.url, BOUNCE_DOMAIN: mailbox.bounceDomain, SMTP_MAX_CONNECTIONS: '2' } });
    imap = await connectImap(mailbox.account);
  });

  afterAll(async () => {
    await imap?.logout().catch(() => {});
    await ctx?.close();
  });

  it('gets a DSN back to the VERP address, and the intake marks the delivery bounced', async () => {
    const unknown = unknownUserAddress();
    const ok = `fine@${postfixInfo().okDomain}`;
    const { listId, members } = await createListWithMembers(ctx.db, 'relay', [unknown, ok]);
    const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'Via Postfix', text: 'Hello', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
    const sender = new Sender(ctx);
    try {
      await sender.drain();
    } finally {
      await sender.stop();
    }
    // Postfix accepted both at SMTP time.
    expect((await postProgress(ctx.db, post.postId))!.counts.sent).toBe(2);

    const dsn = await waitForDsn(imap, unknown, { action: 'failed', timeoutMs: 20_000 });
    expect(dsn.text).toContain(`relay-bounces+${unknown.replace('@', '=')}@${mailbox.bounceDomain}`);
    expect(dsn.text).toMatch(/X-Listkeeper-Tracking: d\d+\./);

    const outcome = await ingestMessage(ctx, dsn.source, { source: 'imap', mailbox: 'test', uidvalidity: 1, uid: dsn.uid });
    expect(outcome).toMatchObject({ kind: 'bounce', state: 'processed', events: 1 });

    const memberId = members.get(unknown)!;
    const delivery = await ctx.db.selectFrom('deliveries').select(['status', 'bounce_category']).where('member_id', '=', memberId).executeTakeFirstOrThrow();
    expect(delivery).toEqual({ status: 'bounced', bounce_category: 'hard' });
    const event = await ctx.db.selectFrom('bounce_events').selectAll().where('member_id', '=', memberId).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: 'bounce', category: 'hard', reason: 'userunknown', source: 'imap' });
    const okDelivery = await ctx.db.selectFrom('deliveries').select('status').where('member_id', '=', members.get(ok)!).executeTakeFirstOrThrow();
    expect(okDelivery.status).toBe('sent');
  });
});
