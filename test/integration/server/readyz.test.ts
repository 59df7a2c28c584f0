// /readyz answers 503 within its time limit when the database does not answer, instead of hanging with it:
// PostgreSQL behind a proxy on 127.0.0.1 that goes silent (accepts connections, never speaks), and a PGlite
// whose only connection is held by a long transaction.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/index.js';
import { buildApp, READY_TIMEOUT_MS } from '../../../src/http/app.js';
import { createTestContext, testConfig, type TestContext } from '../../helpers/context.js';

const contexts: TestContext[] = [];
afterAll(async () => {
  for (const c of contexts) await c.close();
});

/**
 * A TCP proxy to PostgreSQL that can go silent: frozen, it accepts connections and never answers, and drops
 * what passes on open ones; thawed, it closes the silent connections (as a restarted server would) and
 * forwards again.
 */
async function freezingProxy(host: string, port: number) {
  let frozen = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('error', () => {});
    client.on('close', () => open.delete(client));
    if (frozen) return;
    const upstream = net.connect(port, host);
    open.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('data', (d) => {
      if (!frozen) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!frozen) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const s of open) s.destroy();
    },
    close: () => {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}

async function timedReadyz(app: Awaited<ReturnType<typeof buildApp>>) {
  const t0 = Date.now();
  const res = await app.inject('/readyz');
  return { res, ms: Date.now() - t0 };
}

describe('/readyz when the database does not answer', () => {
  it('PostgreSQL that stops answering: 503 in about 2 s, nothing internal in the body; 200 once it answers again', async () => {
    const ctx = await createTestContext();
    contexts.push(ctx);
    const target = new URL(ctx.database.url!);
    const proxy = await freezingProxy(target.hostname, Number(target.port || 5432));
    const url = new URL(ctx.database.url!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
    const app = await buildApp({ ...ctx, config: testConfig({ DATABASE_URL: url.toString() }), db: handle.db, engine: 'postgres' });
    try {
      await app.ready();
      expect((await app.inject('/readyz')).statusCode).toBe(200);
      // From now on the server accepts connections and never speaks, and open connections go silent.
      proxy.freeze();
      const { res, ms } = await timedReadyz(app);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', database: { engine: 'postgres', reachable: false } });
      expect(ms).toBeGreaterThanOrEqual(READY_TIMEOUT_MS - 100);
      expect(ms).toBeLessThan(READY_TIMEOUT_MS + 1500);
      // Asked again while the first check still hangs: the same answer in the same time.
      const again = await timedReadyz(app);
      expect(again.res.statusCode).toBe(503);
      expect(again.ms).toBeLessThan(READY_TIMEOUT_MS + 1500);
      // The database back (the silent connections dropped): ready again.
      proxy.thaw();
      await expect.poll(async () => (await app.inject('/readyz')).statusCode, { timeout: 10_000 }).toBe(200);
    } finally {
      await app.close();
      proxy.close();
      await handle.close();
    }
  });

  it('PGlite held by a long transaction: 503 in about 2 s, 200 once it is released', async () => {
    const ctx = await createTestContext({ engine: 'pglite' });
    contexts.push(ctx);
    const app = await buildApp(ctx);
    await app.ready();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside = () => {};
    const started = new Promise<void>((resolve) => (inside = resolve));
    const transaction = ctx.db.transaction().execute(async (trx) => {
      await trx.selectFrom('lists').select('id').execute();
      inside();
      await held;
    });
    try {
      // The transaction holds the one session before readyz asks for it.
      await started;
      const { res, ms } = await timedReadyz(app);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', database: { engine: 'pglite', reachable: false } });
      expect(ms).toBeLessThan(READY_TIMEOUT_MS + 1500);
    } finally {
      release();
      await transaction;
    }
    const after = await app.inject('/readyz');
    expect(after.statusCode).toBe(200);
    await app.close();
  });
});
