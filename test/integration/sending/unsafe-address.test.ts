// A member row whose address holds a CR (stored before the entry rule existed, or written around it) never reaches
// a header or an SMTP command: its delivery and its notice fail at once with a clear error, nothing is sent for it
// and it is not retried, while the other members get the post. With the file outbox and with SMTP (a sink that
// records every command line it was sent).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { queueNotice } from '../../../src/notices/index.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createListWithMembers } from './fixtures.js';

const BAD = '"y\rsubject: injected"@ok.example.test';
const GOOD = 'fine@ok.example.test';

async function sendPostAndNotice(ctx: TestContext): Promise<void> {
  const { listId, members } = await createListWithMembers(ctx.db, 'guarded', [GOOD, BAD]);
  const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'Guarded', text: 'Hi', html: null }, ctx.clock);
  if (!post.ok) throw new Error(post.error);
  await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
  await ctx.db.insertInto('notices').values({ list_id: listId, member_id: members.get(BAD)!, to_address: BAD, type: 'welcome', audience: 'member', next_attempt_at: ctx.clock.now() }).execute();
  await queueNotice(ctx.db, { type: 'welcome', listId, memberId: members.get(GOOD)!, to: GOOD, now: ctx.clock.now() });
  const sender = new Sender(ctx, { lanes: 1 });
  try {
    await sender.drain();
    // Hours later nothing is due again: refused, not deferred.
    ctx.clock.set(new Date(ctx.clock.now().getTime() + 24 * 3600_000));
    expect(await sender.drain()).toEqual({ deliveries: 0, notices: 0 });
  } finally {
    await sender.stop();
  }
  const deliveries = await ctx.db.selectFrom('deliveries').select(['address', 'status', 'attempts', 'last_error']).orderBy('id').execute();
  expect(deliveries.find((d) => d.address === GOOD)).toMatchObject({ status: 'sent' });
  const bad = deliveries.find((d) => d.address === BAD)!;
  expect(bad).toMatchObject({ status: 'failed', attempts: 1 });
  expect(bad.last_error).toMatch(/^not sent: the address ".*\\u000d.*" contains a control character/);
  const notices = await ctx.db.selectFrom('notices').select(['to_address', 'status', 'last_error']).orderBy('id').execute();
  expect(notices.find((n) => n.to_address === GOOD)).toMatchObject({ status: 'sent' });
  expect(notices.find((n) => n.to_address === BAD)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/control character/) });
  // No bounce event: it says nothing about the recipient.
  expect(await ctx.db.selectFrom('bounce_events').select('id').execute()).toEqual([]);
}

describe('an address with a CR in the queue', () => {
  describe('file outbox', () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await createTestContext();
    });
    afterAll(() => ctx?.close());

    it('fails its delivery and notice with a clear error; only the good member gets mail', async () => {
      await sendPostAndNotice(ctx);
      const dir = outboxDir(ctx.config.dataDir);
      const files = readdirSync(dir);
      expect(files).toHaveLength(2);
      for (const f of files) {
        const text = readFileSync(path.join(dir, f), 'latin1');
        expect(text).toContain(`Delivered-To: ${GOOD}\r\n`);
        expect(text).not.toContain('injected');
      }
    });
  });

  describe('SMTP', () => {
    let ctx: TestContext;
    let server: SMTPServer;
    const lines: string[] = [];
    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, _s, cb) {
          stream.resume();
          stream.on('end', () => cb());
        },
      });
      // Every command line the server reads, recorded before smtp-server handles the socket.
      const onConnection = server.server.listeners('connection')[0] as (s: import('node:net').Socket) => void;
      server.server.removeAllListeners('connection');
      server.server.on('connection', (sock: import('node:net').Socket) => {
        sock.on('data', (d: Buffer) => lines.push(...d.toString('latin1').split('\r\n')));
        onConnection(sock);
      });
      server.on('error', () => {});
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      ctx = await createTestContext({ env: { SMTP_URL: `smtp://127.0.0.1:${(server.server.address() as { port: number }).port}` } });
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await ctx?.close();
    });

    it('never puts it in MAIL FROM / RCPT TO; the good member is sent to', async () => {
      await sendPostAndNotice(ctx);
      expect(lines.filter((l) => l.startsWith('RCPT TO:'))).toEqual([`RCPT TO:<${GOOD}>`, `RCPT TO:<${GOOD}>`]);
      expect(lines.some((l) => /injected/.test(l))).toBe(false);
    });
  });
});
