// Poison messages on real Dovecot and PostgreSQL: a message that breaks the pipeline while the database is
// healthy is kept (state failed, raw bytes, the error), moved to Quarantine, and the mailbox goes on; even
// when the poison messages fill a whole batch. The poison is real: a trigger on the test database refuses
// the bounce events of some messages, as a failing part of a real database would.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connectImap } from '../../helpers/mail.js';
import {
  addMember,
  appendAll,
  createList,
  folderCounts,
  makeDsn,
  memberScores,
  pollerFor,
  verpFor,
  waitUntil,
  withMailboxContext,
} from './fixtures.js';

const env = withMailboxContext();
const MARK = 'POISON-FOR-THE-TEST-TRIGGER';

async function installTrigger(): Promise<void> {
  await sql`
    create function lk_test_refuse_event() returns trigger language plpgsql as $$
    begin
      raise exception 'refused by the test trigger: %', new.diagnostic;
    end $$`.execute(env.ctx.db);
  await sql`
    create trigger lk_test_refuse_event before insert on bounce_events
    for each row when (new.diagnostic like ${sql.lit(`%${MARK}%`)}) execute function lk_test_refuse_event()`.execute(env.ctx.db);
}

describe('poison messages', () => {
  it('three poison messages in a row (a whole batch) go to Quarantine, recorded; the good bounces after them are handled', async () => {
    await installTrigger();
    const list = await createList(env.ctx.db, 'dev');
    const poison = ['p1@example.org', 'p2@example.org', 'p3@example.org'];
    const good = ['g1@example.org', 'g2@example.org', 'g3@example.org', 'g4@example.org'];
    const ids = new Map<string, number>();
    for (const a of [...poison, ...good]) ids.set(a, await addMember(env.ctx.db, list.id, a));
    const dsn = (a: string, diagnostic?: string) =>
      makeDsn({ to: verpFor(env.ctx, 'dev', a, ids.get(a) as number), recipient: a, ...(diagnostic ? { diagnostic } : {}) });
    await appendAll(env.mb, [...poison.map((a) => dsn(a, `550 5.1.1 ${MARK} unknown user`)), ...good.map((a) => dsn(a))]);

    // Batches of three: the first batch is nothing but poison.
    const poller = pollerFor(env.ctx, env.mb, { batchSize: 3 });
    const pass = await poller.runOnce();
    await poller.disconnect();
    expect(pass).toMatchObject({ seen: 7, handled: 7, failed: 3, moved: 7, byFolder: { Processed: 4, Quarantine: 3 } });
    expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 4, Quarantine: 3, Unprocessed: 0 });
    expect(await memberScores(env.ctx.db, list.id)).toEqual({
      ...Object.fromEntries(poison.map((a) => [a, 0])),
      ...Object.fromEntries(good.map((a) => [a, 1])),
    });
    const failed = await env.ctx.db
      .selectFrom('inbound_messages')
      .select(['state', 'error', 'raw', 'target_folder', 'moved_at'])
      .where('state', '=', 'failed')
      .execute();
    expect(failed).toHaveLength(3);
    for (const f of failed) {
      expect(f.error).toContain('refused by the test trigger');
      expect(f.target_folder).toBe('Quarantine');
      expect(f.moved_at).not.toBeNull();
      expect(Buffer.from(f.raw).toString('latin1')).toContain(MARK);
    }
    expect(poller.status()).toMatchObject({ lastError: null, failures: 0, failed: 3 });

    // Once the cause is gone, the quarantined messages moved back to the inbox are handled for real, once.
    await sql`drop trigger lk_test_refuse_event on bounce_events`.execute(env.ctx.db);
    const client = await connectImap(env.mb.account);
    await client.mailboxOpen('Quarantine');
    await client.messageMove('1:*', 'INBOX');
    await client.logout();
    const again = pollerFor(env.ctx, env.mb, { batchSize: 3 });
    expect(await again.runOnce()).toMatchObject({ seen: 3, handled: 3, failed: 0, byFolder: { Processed: 3 } });
    await again.disconnect();
    expect(Object.values(await memberScores(env.ctx.db, list.id))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 7, Quarantine: 0 });
    expect(await env.ctx.db.selectFrom('inbound_messages').select('id').where('state', '=', 'failed').execute()).toHaveLength(0);
  });

  it('the running poller creates Quarantine when missing and keeps reading the mailbox past poison', async () => {
    await installTrigger();
    const list = await createList(env.ctx.db, 'dev');
    const a = await addMember(env.ctx.db, list.id, 'a@example.org');
    const b = await addMember(env.ctx.db, list.id, 'b@example.org');
    const poller = pollerFor(env.ctx, env.mb, { batchSize: 2 });
    await appendAll(env.mb, [
      makeDsn({ to: verpFor(env.ctx, 'dev', 'a@example.org', a), recipient: 'a@example.org', diagnostic: `550 ${MARK}`, unique: 'x1' }),
      makeDsn({ to: verpFor(env.ctx, 'dev', 'a@example.org', a), recipient: 'a@example.org', diagnostic: `550 ${MARK}`, unique: 'x2' }),
    ]);
    poller.start();
    try {
      await waitUntil('poison quarantined', async () => (await folderCounts(env.mb)).Quarantine === 2);
      await appendAll(env.mb, [makeDsn({ to: verpFor(env.ctx, 'dev', 'b@example.org', b), recipient: 'b@example.org' })]);
      await waitUntil('the good bounce scored', async () => (await memberScores(env.ctx.db, list.id))['b@example.org'] === 1);
      expect(poller.status()).toMatchObject({ lastError: null, failures: 0 });
    } finally {
      await poller.stop();
    }
  });
});
