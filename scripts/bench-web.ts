// npm run bench:web — the list admin's pages on real PostgreSQL at a million members.
// A throwaway database through the test harness (scripts/bench-database.ts).
// Data: one list of 1,000,000 members (generate_series: 97% enabled, 1% disabled by bounces, 2% unsubscribed).
// Figures: member table page and address search p95 (server time: Fastify's reply.elapsedTime, which
// includes the queries and the rendering), a 100,000-row CSV import through the upload route until its
// report is written, and a 1,000,000-row CSV export read over HTTP with the process's peak memory.
import { benchDatabase } from './bench-database.js';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { manualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import type { AppContext } from '../src/services.js';
import { hashPassword } from '../src/staff/passwords.js';

const MEMBERS = 1_000_000;
const IMPORT_ROWS = 100_000;
const PAGE_REQUESTS = 300;
const SEARCH_REQUESTS = 300;

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const log = (msg: string) => process.stdout.write(msg + '\n');

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// A deterministic pseudo-random sequence, so runs are comparable.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

async function main(): Promise<void> {
  // BENCH_WEB_REUSE_DB=<name> (development only): measure on an already loaded database and keep it.
  const reuse = process.env.BENCH_WEB_REUSE_DB ?? null;
  const bench = await benchDatabase('lk_bench_web', { reuse });
  const handle = await openDatabase({ databaseUrl: bench.url, dataDir: null });
  const db = handle.db;
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  try {
    await migrate(db);
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATA_DIR: `/tmp/${new URL(bench.url).pathname.slice(1)}`,
      DATABASE_URL: bench.url,
      SECRET_KEY: randomBytes(24).toString('hex'),
      BOUNCE_DOMAIN: 'lists.example.test',
      BASE_URL: 'http://127.0.0.1:3000',
    });
    const ctx: AppContext = { config, db, engine: 'postgres', clock: manualClock('2026-06-15T12:00:00Z'), logger: createLogger('silent') };

    // ─── data ───────────────────────────────────────────────────────────────────────────────────────
    let t0 = process.hrtime.bigint();
    const existing = reuse ? await db.selectFrom('lists').select('id').where('name', '=', 'bench').executeTakeFirst() : undefined;
    let listId: number;
    if (existing) {
      listId = existing.id;
      await db.deleteFrom('members').where('list_id', '=', listId).where('address', 'like', 'imported%@new.example').execute();
      await db.deleteFrom('staff_users').where('email', '=', 'bench@example.test').execute();
    } else {
      const list = await db.insertInto('lists').values({ name: 'bench', display_name: 'Bench', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
      listId = list.id;
      // The trigram index is built after the load, as a bulk load would.
      await sql`drop index members_address_trgm`.execute(db);
      await sql`
        insert into members (list_id, address, display_name, status, score, last_bounce_date, disabled_on, last_warning_date, warnings_left)
        select ${listId},
               substr(md5(g::text), 1, 6) || '.' || g || '@' || (array['gmail.example','yahoo.example','mail.example','corp.example','uni.example'])[1 + g % 5],
               'Member ' || g,
               case when g % 100 = 0 then 'disabled_by_bounce' when g % 50 = 1 then 'unsubscribed' else 'enabled' end,
               case when g % 100 = 0 then 5 when g % 7 = 0 then 0.5 * (g % 9) else 0 end,
               case when g % 100 = 0 or g % 7 = 0 then date '2026-06-10' end,
               case when g % 100 = 0 then date '2026-06-11' end,
               case when g % 100 = 0 then date '2026-06-11' end,
               case when g % 100 = 0 then 2 else 0 end
        from generate_series(1, ${MEMBERS}) g`.execute(db);
      await sql`create index members_address_trgm on members using gin (address gin_trgm_ops)`.execute(db);
      await sql`vacuum analyze members`.execute(db);
    }
    log(`loaded ${MEMBERS.toLocaleString('en-US')} members in ${seconds(t0).toFixed(1)} s`);

    await db.insertInto('staff_users').values({ email: 'bench@example.test', role: 'site_admin', password_hash: await hashPassword('bench password 1') }).execute();
    app = await buildApp(ctx);
    const elapsed: number[] = [];
    app.addHook('onResponse', async (_req, reply) => {
      elapsed.push(reply.elapsedTime);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    // Sign in through the form.
    const form = await app.inject({ method: 'GET', url: '/login' });
    const loginCookie = String(form.headers['set-cookie']).split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const login = await app.inject({ method: 'POST', url: '/login', headers: { cookie: loginCookie }, payload: { email: 'bench@example.test', password: 'bench password 1', _csrf: csrf } });
    const setCookie = login.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie : [String(setCookie)]).map((c) => c.split(';')[0]).find((c) => c.startsWith('lk_session=')) ?? '';
    if (!cookie) throw new Error('sign-in failed');
    const page = await app.inject({ method: 'GET', url: '/account/password', headers: { cookie } });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';

    async function timed(url: string): Promise<{ ms: number; body: string }> {
      const before = elapsed.length;
      const res = await app!.inject({ method: 'GET', url, headers: { cookie } });
      if (res.statusCode !== 200) throw new Error(`${url} -> ${res.statusCode}`);
      return { ms: elapsed[before], body: res.body };
    }
    const nextOf = (body: string) => /href="([^"]+)" rel="next"/.exec(body)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=') ?? null;

    // Warm up the caches and the templates.
    for (let i = 0; i < 10; i++) await timed(`/admin/lists/${listId}`);

    // ─── member table pages ─────────────────────────────────────────────────────────────────────────
    const rand = rng(42);
    const pageMs: number[] = [];
    const pageKinds: Record<string, number[]> = {};
    const starts = [
      '',
      '?sort=-address',
      '?sort=-score',
      '?sort=-subscribed',
      '?status=disabled_by_bounce',
      '?status=unsubscribed',
      '?status=enabled&sort=-score',
      '?status=disabled_by_bounce&sort=-address',
    ];
    while (pageMs.length < PAGE_REQUESTS) {
      const start = starts[Math.floor(rand() * starts.length)];
      let url: string | null = `/admin/lists/${listId}${start}`;
      // Walk a few pages forward with the keyset cursor, as a person paging through would.
      const hops = 1 + Math.floor(rand() * 5);
      for (let h = 0; h < hops && url && pageMs.length < PAGE_REQUESTS; h++) {
        const r = await timed(url);
        pageMs.push(r.ms);
        (pageKinds[start || '(first page)'] ??= []).push(r.ms);
        url = nextOf(r.body);
      }
    }
    for (const [k, v] of Object.entries(pageKinds)) log(`  pages ${k}: p95 ${percentile(v, 95).toFixed(1)} ms`);
    log(`member pages: ${pageMs.length} requests, p50 ${percentile(pageMs, 50).toFixed(1)} ms, p95 ${percentile(pageMs, 95).toFixed(1)} ms, max ${Math.max(...pageMs).toFixed(1)} ms`);

    // ─── address search ─────────────────────────────────────────────────────────────────────────────
    const searchMs: number[] = [];
    const kinds: Record<string, number[]> = {};
    const sample = await sql<{ address: string }>`select address from members where list_id = ${listId} order by random() limit 200`.execute(db);
    const addresses = sample.rows.map((r) => r.address);
    for (let i = 0; i < SEARCH_REQUESTS; i++) {
      const a = addresses[i % addresses.length];
      const local = a.split('@')[0];
      const choice = i % 6;
      const [kind, q, extra] =
        choice === 0 ? ['whole address', a, '']
        : choice === 1 ? ['prefix', local.slice(0, 4), '&match=prefix']
        : choice === 2 ? ['substring', local.slice(7), '']
        : choice === 3 ? ['domain', a.split('@')[1], '']
        : choice === 4 ? ['no match', `zq${i}xv`, '']
        : ['substring + status', local.slice(2, 6), '&status=disabled_by_bounce'];
      const r = await timed(`/admin/lists/${listId}?q=${encodeURIComponent(q)}${extra}`);
      if (kind === 'whole address' && !r.body.includes(a)) throw new Error(`search for ${a} did not find it`);
      searchMs.push(r.ms);
      (kinds[kind] ??= []).push(r.ms);
    }
    for (const [k, v] of Object.entries(kinds)) log(`  search ${k}: p95 ${percentile(v, 95).toFixed(1)} ms`);
    log(`address search: ${searchMs.length} requests, p50 ${percentile(searchMs, 50).toFixed(1)} ms, p95 ${percentile(searchMs, 95).toFixed(1)} ms, max ${Math.max(...searchMs).toFixed(1)} ms`);

    // ─── CSV import of 100,000 rows ─────────────────────────────────────────────────────────────────
    const rows = ['email,name'];
    for (let i = 0; i < IMPORT_ROWS; i++) {
      // 1% bad, 1% already on the list: the report has work to do too.
      if (i % 100 === 17) rows.push(`broken-row-${i},Broken`);
      else if (i % 100 === 42) rows.push(`${addresses[i % addresses.length]},Already`);
      else rows.push(`imported${i}@new.example,Imported ${i}`);
    }
    const boundary = `----bench${randomBytes(8).toString('hex')}`;
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="import.csv"\r\nContent-Type: text/csv\r\n\r\n${rows.join('\n')}\r\n--${boundary}--\r\n`;
    t0 = process.hrtime.bigint();
    const res = await fetch(`${base}/admin/lists/${listId}/import`, {
      method: 'POST',
      headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      redirect: 'manual',
    });
    if (res.status !== 303) throw new Error(`import upload -> ${res.status}`);
    const statusUrl = `${base}${res.headers.get('location')}/status`;
    let state: { state: string; added: number; refused: number } = { state: 'running', added: 0, refused: 0 };
    while (state.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      state = (await (await fetch(statusUrl, { headers: { cookie } })).json()) as typeof state;
    }
    const importS = seconds(t0);
    if (state.state !== 'succeeded') throw new Error(`import ${state.state}`);
    log(`import: ${IMPORT_ROWS.toLocaleString('en-US')} rows, ${state.added.toLocaleString('en-US')} added, ${state.refused} refused, ${importS.toFixed(2)} s`);

    // ─── CSV export of the whole list, streamed ────────────────────────────────────────────────────
    const memBefore = process.memoryUsage().rss;
    let peak = memBefore;
    let heapPeak = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, 50);
    t0 = process.hrtime.bigint();
    const exp = await fetch(`${base}/admin/lists/${listId}/export.csv`, { headers: { cookie } });
    let bytes = 0;
    let lines = 0;
    // Bounded memory shows as a peak that stops growing: the peak over the first 100,000 rows against the whole.
    let peakEarly = 0;
    let heapPeakEarly = 0;
    const reader = exp.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      if (lines <= 100_000) {
        peakEarly = peak;
        heapPeakEarly = heapPeak;
      }
    }
    clearInterval(sampler);
    const exportS = seconds(t0);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
    log(
      `export: ${(lines - 1).toLocaleString('en-US')} rows, ${mb(bytes)} MB in ${exportS.toFixed(1)} s; process RSS ${mb(memBefore)} MB before, ` +
        `peak ${mb(peakEarly)} MB over the first 100,000 rows, ${mb(peak)} MB over all; JS heap peak ${mb(heapPeakEarly)} MB over the first 100,000 rows, ${mb(heapPeak)} MB over all (server and client in this one process)`,
    );

    log(`RESULT export_rows ${lines - 1} rows`);
    log(`RESULT export_peak_rss_delta_mb ${mb(peak - memBefore)} MB`);
    log(`RESULT export_heap_peak_mb ${mb(heapPeak)} MB`);
    log(`RESULT member_search_p95_ms ${percentile(searchMs, 95).toFixed(1)} ms`);
    log(`RESULT member_page_p95_ms ${percentile(pageMs, 95).toFixed(1)} ms`);
    log(`RESULT import_100k_s ${importS.toFixed(2)} s`);
  } finally {
    await app?.close();
    await handle.close();
    await bench.release();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
