// A sender killed (SIGKILL) in the middle of a post, then a new one resumes: nobody gets two copies. Rows that
// were in flight when it died are failed as "interrupted" (at-most-once), everything never claimed is sent.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { createPost, postProgress, retryInterrupted, startPost } from '../../../src/sending/posts.js';
import { INTERRUPTED_MESSAGE } from '../../../src/sending/queue.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createListWithMembers } from './fixtures.js';

const MEMBERS = 300;
const here = path.dirname(fileURLToPath(import.meta.url));

describe('crash mid-send and resume', () => {
  let ctx: TestContext;
  let server: SMTPServer;
  let port: number;
  const received = new Map<string, number>();

  beforeAll(async () => {
    // A slow server (5 ms per message) so the kill lands mid-post.
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          for (const r of session.envelope.rcptTo) received.set(r.address, (received.get(r.address) ?? 0) + 1);
          setTimeout(() => cb(), 5);
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.server.address() as { port: number }).port;
    ctx = await createTestContext({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_MAX_CONNECTIONS: '2' } });
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await ctx?.close();
  });

  it('nobody gets the post twice; in-flight rows are failed as interrupted, the rest is sent', async () => {
    const { listId } = await createListWithMembers(
      ctx.db,
      'crashy',
      Array.from({ length: MEMBERS }, (_, i) => `m${i}@ok.example.test`),
    );
    const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'Once only', text: 'Hi', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);

    const child = fork(path.join(here, 'crash-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...envOf(ctx), NODE_ENV: 'test', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await waitUntil(() => received.size >= 60, 20_000);
    child.kill('SIGKILL');
    await exited;

    const atCrash = await postProgress(ctx.db, post.postId);
    expect(atCrash!.counts.queued).toBeGreaterThan(0); // really mid-post
    const inFlight = atCrash!.counts.sending;
    expect(inFlight).toBeGreaterThan(0); // claimed (maybe sent) but not recorded when it died
    const receivedAtCrash = received.size;

    // Resume after the lease (the crashed process's claims are 10 minutes old by then).
    ctx.clock.set(new Date(Date.now() + 11 * 60_000));
    const sender = new Sender(ctx, { lanes: 2, batchSize: 25 });
    try {
      await sender.drain();
    } finally {
      await sender.stop();
    }

    const after = await postProgress(ctx.db, post.postId);
    expect(after!.counts).toMatchObject({ queued: 0, sending: 0, deferred: 0 });
    expect(after!.counts.failed).toBe(inFlight);
    expect(after!.counts.sent + after!.counts.failed).toBe(MEMBERS);
    expect(after!.status).toBe('sent');

    // Nobody twice.
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    // Every row recorded as sent arrived; what arrived and is not 'sent' is among the interrupted ones.
    const rows = await ctx.db.selectFrom('deliveries').select(['address', 'status', 'last_error']).where('post_id', '=', post.postId).execute();
    for (const r of rows) {
      if (r.status === 'sent') expect(received.get(r.address)).toBe(1);
      else expect(r).toMatchObject({ status: 'failed', last_error: INTERRUPTED_MESSAGE });
    }
    expect(received.size).toBeGreaterThanOrEqual(receivedAtCrash);
    expect(received.size).toBeLessThanOrEqual(MEMBERS);

    // The admin may choose to re-send the interrupted ones (accepting a possible duplicate).
    expect(await retryInterrupted(ctx.db, SYSTEM, post.postId, ctx.clock)).toBe(inFlight);
  });
});

function envOf(ctx: TestContext): Record<string, string> {
  return {
    DATABASE_URL: ctx.config.databaseUrl!,
    SMTP_URL: ctx.config.smtpUrl!,
    SMTP_MAX_CONNECTIONS: String(ctx.config.smtpMaxConnections),
    SECRET_KEY: ctx.config.secretKey,
    BOUNCE_DOMAIN: ctx.config.bounceDomain,
    BASE_URL: ctx.config.baseUrl,
    DATA_DIR: ctx.config.dataDir,
  };
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
