// vitest globalSetup: starts PostgreSQL, Dovecot, the SMTP sink, Postfix (and checks Chromium) under one temp root,
// hands their addresses to the tests through project.provide() (read them with inject() or test/helpers/*),
// and stops everything after the run. KEEP_TEST_ROOT=1 keeps the temp root (logs, maildirs, sink files).
import './ts-imports.js';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/index.js';
import { migrate } from '../../src/db/migrate.js';
import { startSink, SINK_DOMAINS } from './sink.js';
import {
  adminQuery,
  BOUNCE_DOMAIN,
  CHROMIUM_PATH,
  dovecotMailRoot,
  ensureDebianPackages,
  findExistingPostgres,
  makeRoot,
  poolPassword,
  poolUsers,
  MAILBOX_USER_PREFIX,
  MTA_HOSTNAME,
  removeRoot,
  startDovecot,
  startPostfix,
  startReaper,
  startTempPostgres,
  withDatabase,
  type DovecotService,
  type PostfixService,
  type PostgresService,
} from './services.js';

export interface ImapAccount {
  host: string;
  port: number;
  user: string;
  password: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The temp root of this run (all services' files and logs). */
    testRoot: string;
    /** PostgreSQL URL whose role may CREATE DATABASE. */
    pgAdminUrl: string;
    /** A migrated database to clone with `create database X template <pgTemplateDb>`. */
    pgTemplateDb: string;
    /** A migrated PGlite database as a tarball, to load instead of migrating a new one (4–8 s). */
    pgliteTemplate: string;
    /** Databases named with this prefix are dropped at teardown. */
    pgDbPrefix: string;
    /** 'DATABASE_URL', '127.0.0.1:5432' or 'temp cluster'. */
    pgSource: string;
    /** The `bounces` mailbox (VERP DSNs to *@lists.example.test land in its INBOX). */
    imap: ImapAccount;
    /** Every default mail user: bounces, alice. */
    imapUsers: Record<string, string>;
    /** For per-test mailboxes (test/helpers/mail.ts createMailbox). */
    dovecot: {
      usersFile: string;
      claimsDir: string;
      pool: { user: string; password: string }[];
      mailRoot: string;
      mailUid: number;
      mailGid: number;
      log: string;
    };
    /** The shared sink: writes every received message as JSON into `dir`. */
    sink: { host: string; port: number; url: string; dir: string };
    postfix: {
      host: string;
      port: number;
      url: string;
      /** VERP return paths use this domain: `<list>-bounces+<local>=<domain>@lists.example.test`. */
      bounceDomain: string;
      /** Local domain where every user is unknown: mail to it bounces 5.1.1 at once. */
      unknownUserDomain: string;
      okDomain: string;
      deferDomain: string;
      rejectDomain: string;
      /** Per-test mailbox domains: `<mailbox user>.lists.example.test`. */
      mailboxUserPrefix: string;
      maillog: string;
    } | null;
    /** Why postfix is null (e.g. not root). Tests needing Postfix must fail with it. */
    postfixError: string | null;
    chromiumPath: string;
  }
}

const log = (s: string): void => {
  process.stderr.write(`[test env] ${s}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  const ms = (): string => `${Math.round(performance.now() - t0)} ms`;
  const root = await makeRoot();
  const runId = randomBytes(4).toString('hex');
  const dbPrefix = `lk_${runId}_`;
  const templateDb = `${dbPrefix}template`;
  const timings: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  let stopPostfix: (() => Promise<void>) | null = null;
  const pgRef: { svc: PostgresService | null } = { svc: null };

  const teardown = async (): Promise<void> => {
    const t = performance.now();
    const report = (err: unknown): void => log(`teardown: ${String(err)}`);
    // Postfix first (it holds connections to the sink), then the rest in parallel.
    if (stopPostfix) await stopPostfix().catch(report);
    await Promise.all(stops.map((stop) => stop().catch(report)));
    if (process.env.KEEP_TEST_ROOT === '1') log(`kept ${root}`);
    else await removeRoot(root).catch((err: unknown) => log(`could not remove ${root}: ${String(err)}`));
    log(`stopped in ${Math.round(performance.now() - t)} ms`);
  };

  try {
    const existing = await findExistingPostgres();
    await ensureDebianPackages({ needPostgres: existing === null, log });

    const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      const s = performance.now();
      const r = await f();
      timings.push(`${name} ${Math.round(performance.now() - s)} ms`);
      return r;
    };

    // The sink first (a few ms): Postfix needs its port. Then everything else at once.
    const sink = await timed('sink', () => startSink({ dir: path.join(root, 'sink') }));
    stops.push(() => sink.close());
    const pgStart = timed('postgres', async (): Promise<PostgresService> => {
      const svc: PostgresService = existing
        ? { adminUrl: existing.url, source: existing.source, stop: async () => {} }
        : await startTempPostgres(root, log);
      pgRef.svc = svc;
      await adminQuery(svc.adminUrl, `create database ${templateDb}`);
      const handle = await openDatabase({ databaseUrl: withDatabase(svc.adminUrl, templateDb), dataDir: null, poolSize: 1 });
      try {
        await migrate(handle.db);
      } finally {
        await handle.close();
      }
      return svc;
    });
    const pgliteTemplate = path.join(root, 'pglite-template.tar');
    const pgliteStart = timed('pglite', async () => {
      const handle = await openDatabase({ databaseUrl: null, dataDir: null });
      try {
        await migrate(handle.db);
        writeFileSync(pgliteTemplate, Buffer.from(await (await handle.dump!()).arrayBuffer()));
      } finally {
        await handle.close();
      }
    });
    const dovecotStart = timed('dovecot', () => startDovecot(root));
    const isRoot = process.getuid?.() === 0;
    const postfixStart = isRoot
      ? timed('postfix', () => startPostfix(root, { sinkPort: sink.port, mailRoot: dovecotMailRoot(root) }))
      : Promise.resolve(null);
    const [pgResult, dovecotResult, postfixResult, pgliteResult] = await Promise.allSettled([pgStart, dovecotStart, postfixStart, pgliteStart]);
    // Register stops of whatever started, so a failure of one still stops the others.
    if (pgRef.svc !== null) {
      const svc: PostgresService = pgRef.svc;
      stops.push(async () => {
        await adminQuery(svc.adminUrl, `select 1`).then(
          () => dropRunDatabases(svc.adminUrl, dbPrefix),
          () => {},
        );
        await svc.stop();
      });
    }
    if (dovecotResult.status === 'fulfilled') {
      const d = dovecotResult.value;
      stops.push(() => d.stop());
    }
    const postfix: PostfixService | null = postfixResult.status === 'fulfilled' ? postfixResult.value : null;
    if (postfix) stopPostfix = () => postfix.stop();
    for (const r of [pgResult, dovecotResult, postfixResult, pgliteResult]) if (r.status === 'rejected') throw r.reason;
    if (pgResult.status !== 'fulfilled' || dovecotResult.status !== 'fulfilled') throw new Error('start failed');
    const pgSvc = pgResult.value;
    const dovecot: DovecotService = dovecotResult.value;
    const stopReaper = startReaper(root, process.env.KEEP_TEST_ROOT === '1');
    const postfixError = isRoot ? null : 'the test Postfix needs root (CI runs as root): run the tests as root';
    if (postfixError) log(`no postfix: ${postfixError}`);

    project.provide('testRoot', root);
    project.provide('pgAdminUrl', pgSvc.adminUrl);
    project.provide('pgTemplateDb', templateDb);
    project.provide('pgDbPrefix', dbPrefix);
    project.provide('pgliteTemplate', pgliteTemplate);
    project.provide('pgSource', pgSvc.source);
    project.provide('imap', {
      host: dovecot.host,
      port: dovecot.port,
      user: 'bounces',
      password: dovecot.users.bounces,
    });
    project.provide('imapUsers', dovecot.users);
    project.provide('dovecot', {
      usersFile: dovecot.usersFile,
      claimsDir: dovecot.claimsDir,
      pool: poolUsers().map((user) => ({ user, password: poolPassword(user) })),
      mailRoot: dovecot.mailRoot,
      mailUid: dovecot.mailUid,
      mailGid: dovecot.mailGid,
      log: dovecot.log,
    });
    project.provide('sink', { host: sink.host, port: sink.port, url: sink.url, dir: path.join(root, 'sink') });
    project.provide(
      'postfix',
      postfix
        ? {
            host: postfix.host,
            port: postfix.port,
            url: `smtp://${postfix.host}:${postfix.port}`,
            bounceDomain: BOUNCE_DOMAIN,
            unknownUserDomain: MTA_HOSTNAME,
            okDomain: SINK_DOMAINS.ok,
            deferDomain: SINK_DOMAINS.defer,
            rejectDomain: SINK_DOMAINS.reject,
            mailboxUserPrefix: MAILBOX_USER_PREFIX,
            maillog: postfix.maillog,
          }
        : null,
    );
    project.provide('postfixError', postfixError);
    project.provide('chromiumPath', CHROMIUM_PATH);
    stops.push(async () => stopReaper());
    log(`ready in ${ms()} (${timings.join(', ')}; postgres via ${pgSvc.source}; root ${root})`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

async function dropRunDatabases(adminUrl: string, prefix: string): Promise<void> {
  const res = await adminQuery(adminUrl, `select datname from pg_database where starts_with(datname, '${prefix}')`);
  for (const row of res.rows as { datname: string }[]) {
    await adminQuery(adminUrl, `drop database if exists "${row.datname}" with (force)`);
  }
}
