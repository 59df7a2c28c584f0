// The running poller under failures: the IMAP connection dropped mid-batch, the database refusing
// connections for a while, the database connection killed inside a transaction. No loss, no double count.
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { addMember, appendAll, createList, folderCounts, makeDsn, memberScores, pollerFor, verpFor, waitUntil, withMailboxContext } from './fixtures.js';

// A fresh Dovecot mailbox (with its own bounce domain) and database per test.
const env = withMailboxContext();

async function seed(n: number): Promise<{ listId: number; addresses: string[] }> {
  const list = await createList(env.ctx.db, 'dev');
  const addresses: string[] = [];
  const msgs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const a = `m${i}@example.org`;
    addresses.push(a);
    const id = await addMember(env.ctx.db, list.id, a);
    msgs.push(makeDsn({ to: verpFor(env.ctx, 'dev', a, id), recipient: a }));
  }
  await appendAll(env.mb, msgs);
  return { listId: list.id, addresses };
}

async function expectAllScoredOnce(listId: number, addresses: string[]): Promise<void> {
  await waitUntil('all moved', async () => {
    const c = await folderCounts(env.mb);
    return c.INBOX === 0 && c.Processed === addresses.length ? c : null;
  });
  expect(await memberScores(env.ctx.db, listId)).toEqual(Object.fromEntries(addresses.map((a) => [a, 1])));
  const events = await env.ctx.db.selectFrom('bounce_events').select(['address']).execute();
  expect(events).toHaveLength(addresses.length);
  expect(new Set(events.map((e) => e.address)).size).toBe(addresses.length);
  const rows = await env.ctx.db.selectFrom('inbound_messages').select(['state', 'moved_at']).execute();
  expect(rows).toHaveLength(addresses.length);
  expect(rows.every((r) => r.state === 'processed')).toBe(true);
}

function databaseName(): string {
  return new URL(env.ctx.database.url as string).pathname.slice(1);
}

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('waiting for mail', () => {
  it('IDLE wakes the poller long before its poll interval', async () => {
    const list = await createList(env.ctx.db, 'dev');
    const id = await addMember(env.ctx.db, list.id, 'late@example.org');
    const poller = pollerFor(env.ctx, env.mb, { pollMs: 60_000 });
    poller.start();
    try {
      await waitUntil('first pass', async () => (poller.status().lastSuccessAt ? true : null));
      await new Promise((r) => setTimeout(r, 1000)); // in IDLE by now
      const t = Date.now();
      await appendAll(env.mb, [makeDsn({ to: verpFor(env.ctx, 'dev', 'late@example.org', id), recipient: 'late@example.org' })]);
      await waitUntil('the bounce scored', async () => ((await memberScores(env.ctx.db, list.id))['late@example.org'] === 1 ? true : null), 15_000);
      expect(Date.now() - t).toBeLessThan(15_000);
      expect(poller.status().idleSupported).toBe(true);
    } finally {
      await poller.stop();
    }
  });
});

describe('poller resilience', () => {
  it('the IMAP connection dropped mid-batch (before and after commit): reconnects, nothing lost or counted twice', async () => {
    const { listId, addresses } = await seed(50);
    let batches = 0;
    let commits = 0;
    const poller = pollerFor(env.ctx, env.mb, {
      batchSize: 10,
      faults: {
        afterFetch: (_uids, p) => {
          if (++batches === 2) p.dropConnection();
        },
        afterCommit: (_o, p) => {
          if (++commits === 4) p.dropConnection();
        },
      },
    });
    poller.start();
    try {
      await expectAllScoredOnce(listId, addresses);
      expect(batches).toBeGreaterThan(5); // the dropped batches were fetched again
    } finally {
      await poller.stop();
    }
  });

  it('the database refusing connections for a while: the poller backs off, reports it, then catches up exactly once', async () => {
    const { listId, addresses } = await seed(40);
    const name = databaseName();
    await admin(`alter database "${name}" allow_connections false`);
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
    const poller = pollerFor(env.ctx, env.mb, { batchSize: 10 });
    poller.start();
    try {
      await waitUntil('an error reported', async () => (poller.status().lastError ? true : null), 10_000);
      await new Promise((r) => setTimeout(r, 800));
      expect(poller.status().failures).toBeGreaterThan(1);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 40, Processed: 0 });
      await admin(`alter database "${name}" allow_connections true`);
      await expectAllScoredOnce(listId, addresses);
      await waitUntil('status healthy', async () => (poller.status().lastError === null ? true : null), 5_000);
    } finally {
      await admin(`alter database "${name}" allow_connections true`).catch(() => {});
      await poller.stop();
    }
  });

  it('the database connection killed inside a batch transaction: the batch is retried, nothing counted twice', async () => {
    const { listId, addresses } = await seed(30);
    let calls = 0;
    const poller = pollerFor(env.ctx, env.mb, {
      batchSize: 10,
      pipeline: {
        beforeCommit: async (trx) => {
          if (++calls === 2) await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
        },
      },
    });
    poller.start();
    try {
      await expectAllScoredOnce(listId, addresses);
      expect(calls).toBeGreaterThanOrEqual(4);
      expect(await env.ctx.db.selectFrom('inbound_messages').select('id').where('state', '=', 'failed').execute()).toHaveLength(0);
    } finally {
      await poller.stop();
    }
  });
});
