// Two app instances (two processes, each its own createServices) on ONE PostgreSQL database and ONE Dovecot
// mailbox, working at the same moment: both pollers on 520 bounces (plus three poison messages and a mail to
// a member's unsubscribe address), both senders on one post and on the notices, both running the bounce job,
// both importing a CSV into one list (overlapping addresses). Nothing may be done twice: each bounce scored
// once and moved once, each member mailed once, each notice sent once, the job run by one and `skipped` by
// the other, import counts that add up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { unsubscribeAddress } from '../../../src/links/index.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createMailbox, startSink, type Sink, type TestMailbox } from '../../helpers/mail.js';
import { appendAll, folderCounts, mailboxConfig, makeDsn, memberScores, verpFor, waitUntil } from './fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BOUNCES = 520;
const POST_MEMBERS = 300;
const JOB_MEMBERS = 1000;
const POISON = 3;
const MARK = 'POISON-FOR-THE-TEST-TRIGGER';

let ctx: TestContext;
let mb: TestMailbox;
let sink: Sink;
const children: ChildProcess[] = [];

beforeEach(async () => {
  mb = createMailbox();
  sink = await startSink();
  ctx = await createTestContext({ env: { BOUNCE_DOMAIN: mb.bounceDomain } });
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await sink.close();
  await ctx.close();
});

async function list(name: string, values: Record<string, unknown> = {}): Promise<number> {
  const row = await ctx.db
    .insertInto('lists')
    .values({ name, display_name: name, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function members(listId: number, addresses: string[], values: Record<string, unknown> = {}): Promise<Map<string, number>> {
  const rows = await ctx.db
    .insertInto('members')
    .values(addresses.map((address) => ({ list_id: listId, address, ...values })))
    .returning(['id', 'address'])
    .execute();
  return new Map(rows.map((r) => [r.address, Number(r.id)]));
}

interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function startInstance(importFile: string, importList: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'instance-child.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      BASE_URL: 'http://localhost:3000',
      DATABASE_URL: ctx.database.url as string,
      SECRET_KEY: ctx.config.secretKey,
      BOUNCE_DOMAIN: mb.bounceDomain,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'lk-twin-')),
      SMTP_URL: sink.url,
      IMAP_MAILBOXES: JSON.stringify([mailboxConfig(mb)]),
      IMPORT_FILE: importFile,
      IMPORT_LIST: String(importList),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(proc);
  const child: Child = { proc, lines: [], exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) child.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return child;
}

const said = (c: Child, key: string) => c.lines.find((l) => key in l);

describe('two app instances on one database and one mailbox', () => {
  it('do nothing twice: bounces, moves, posts, notices, the job and imports', async () => {
    const tag = `t${Date.now().toString(36)}`;
    // The post's list; the job's list (members at the threshold, to be disabled with a notice each); the
    // bounces' list; the imports' list.
    const postList = await list(`${tag}-post`);
    const postMembers = await members(postList, Array.from({ length: POST_MEMBERS }, (_, i) => `${tag}-p${i}@ok.example.test`));
    const jobList = await list(`${tag}-job`, { notify_owner_on_disable: false });
    const jobMembers = await members(
      jobList,
      Array.from({ length: JOB_MEMBERS }, (_, i) => `${tag}-j${i}@ok.example.test`),
      { score: 6, last_bounce_date: ctx.clock.today(), last_bounce_increment: 1 },
    );
    const bounceList = await list('bl');
    const bounceMembers = await members(bounceList, Array.from({ length: BOUNCES }, (_, i) => `b${i}@example.org`));
    const importList = await list(`${tag}-imp`);
    const leaver = `${tag}-leaver@ok.example.test`;
    const leaverId = (await members(await list('ul'), [leaver])).get(leaver) as number;
    // Poison: a trigger on this database refuses the events of some bounces (a real failing part).
    await sql`create function lk_test_refuse_event() returns trigger language plpgsql as $$
      begin raise exception 'refused by the test trigger'; end $$`.execute(ctx.db);
    await sql`create trigger lk_test_refuse_event before insert on bounce_events for each row
      when (new.diagnostic like ${sql.lit(`%${MARK}%`)}) execute function lk_test_refuse_event()`.execute(ctx.db);
    const poisonMembers = await members(bounceList, Array.from({ length: POISON }, (_, i) => `x${i}@example.org`));

    const post = await createPost(ctx.db, SYSTEM, { listId: postList, subject: 'Issue 1', text: 'Hello {{address}}', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);

    const unsubscribeMail = Buffer.from(
      `From: <${leaver}>\r\nTo: <${unsubscribeAddress('ul', leaverId, { bounceDomain: mb.bounceDomain, secret: ctx.config.secretKey })}>\r\n` +
        'Subject: unsubscribe\r\nMessage-ID: <leave@ok.example.test>\r\n\r\nunsubscribe\r\n',
    );
    await appendAll(mb, [
      ...[...poisonMembers].map(([a, id]) => makeDsn({ to: verpFor(ctx, 'bl', a, id), recipient: a, diagnostic: `550 5.1.1 ${MARK}` })),
      unsubscribeMail,
      ...[...bounceMembers].map(([a, id]) => makeDsn({ to: verpFor(ctx, 'bl', a, id), recipient: a })),
    ]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-twin-csv-'));
    const csv = (from: number, to: number) => {
      const file = path.join(dir, `${from}-${to}.csv`);
      const rows = ['address,name'];
      for (let i = from; i < to; i++) rows.push(`i${i}@example.org,Member ${i}`);
      writeFileSync(file, rows.join('\n'));
      return file;
    };
    const a = startInstance(csv(0, 1000), importList);
    const b = startInstance(csv(500, 1500), importList);
    await waitUntil('both instances ready', async () => said(a, 'ready') && said(b, 'ready'), 60_000);
    a.proc.stdin?.write('go\n');
    b.proc.stdin?.write('go\n');

    await waitUntil('the job and the imports done', async () => said(a, 'job') && said(b, 'job') && said(a, 'import') && said(b, 'import'), 60_000);
    await waitUntil(
      'the mailbox emptied',
      async () => {
        const c = await folderCounts(mb);
        return c.INBOX === 0 && c.Processed + c.Quarantine >= BOUNCES + 1 + POISON ? c : null;
      },
      60_000,
    );
    await waitUntil(
      'the post and the notices sent',
      async () => {
        const r = await sql<{ n: number }>`
          select (select count(*) from deliveries where status in ('queued', 'sending', 'deferred'))
               + (select count(*) from notices where status in ('queued', 'sending', 'deferred'))
               + (select count(*) from posts where status <> 'sent') as n`.execute(ctx.db);
        return Number(r.rows[0].n) === 0;
      },
      60_000,
    );
    a.proc.stdin?.write('stop\n');
    b.proc.stdin?.write('stop\n');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    // The job: one ran, the other was skipped; every member at the threshold disabled once, one notice each.
    expect([said(a, 'job')?.job, said(b, 'job')?.job].sort()).toEqual(['skipped', 'succeeded']);
    const runs = await ctx.db.selectFrom('job_runs').select('status').where('job', '=', 'bounce').execute();
    expect(runs.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
    const jobStatuses = await ctx.db.selectFrom('members').select('status').where('list_id', '=', jobList).execute();
    expect(jobStatuses.every((m) => m.status === 'disabled_by_bounce')).toBe(true);
    const notices = await ctx.db.selectFrom('notices').select(['type', 'member_id', 'status']).execute();
    expect(notices).toHaveLength(JOB_MEMBERS + 1);
    expect(new Set(notices.map((n) => n.member_id)).size).toBe(JOB_MEMBERS + 1);
    expect(notices.every((n) => n.status === 'sent')).toBe(true);
    expect(notices.filter((n) => n.type === 'disabled')).toHaveLength(JOB_MEMBERS);
    // The unsubscribe mail: the member left once, audited once, one notice.
    expect(notices.filter((n) => n.type === 'unsubscribed').map((n) => n.member_id)).toEqual([leaverId]);
    const left = await ctx.db.selectFrom('audit_log').select('member_id').where('action', '=', 'member.unsubscribed').execute();
    expect(left.map((l) => l.member_id)).toEqual([leaverId]);

    // Every member of the post and every notice reached the SMTP server exactly once.
    const received = new Map<string, number>();
    for (const m of sink.messages) for (const r of m.rcptTo) received.set(r, (received.get(r) ?? 0) + 1);
    const expected = [...postMembers.keys(), ...jobMembers.keys(), leaver];
    expect(received.size).toBe(expected.length);
    expect(expected.filter((x) => received.get(x) !== 1)).toEqual([]);
    const posted = sink.messages.filter((m) => m.raw.toString('latin1').includes('Subject: Issue 1'));
    expect(posted).toHaveLength(POST_MEMBERS);
    const deliveries = await ctx.db.selectFrom('deliveries').select('status').where('post_id', '=', post.postId).execute();
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(POST_MEMBERS);

    // Every bounce stored, scored and moved once; every poison message kept once and quarantined.
    expect(await folderCounts(mb)).toMatchObject({ INBOX: 0, Processed: BOUNCES + 1, Unrecognised: 0, Unprocessed: 0, Quarantine: POISON });
    const scores = await memberScores(ctx.db, bounceList);
    expect(Object.entries(scores).filter(([a, s]) => s !== (a.startsWith('x') ? 0 : 1))).toEqual([]);
    const events = await ctx.db.selectFrom('bounce_events').select(['member_id']).execute();
    expect(events).toHaveLength(BOUNCES);
    expect(new Set(events.map((e) => e.member_id)).size).toBe(BOUNCES);
    const inbound = await ctx.db.selectFrom('inbound_messages').select(['state', 'moved_at']).execute();
    expect(inbound).toHaveLength(BOUNCES + 1 + POISON);
    expect(inbound.filter((m) => m.state === 'processed' && m.moved_at !== null)).toHaveLength(BOUNCES + 1);
    expect(inbound.filter((m) => m.state === 'failed' && m.moved_at !== null)).toHaveLength(POISON);

    // The imports: every address once; what one added the other refused as already there.
    const ia = said(a, 'import')?.import as { added: number; refused: number };
    const ib = said(b, 'import')?.import as { added: number; refused: number };
    expect(ia.added + ib.added).toBe(1500);
    expect(ia.refused + ib.refused).toBe(500);
    const imported = await ctx.db.selectFrom('members').select('address').where('list_id', '=', importList).execute();
    expect(imported).toHaveLength(1500);

    const pa = said(a, 'poller')?.poller as { processed: number; failures: number };
    const pb = said(b, 'poller')?.poller as { processed: number; failures: number };
    console.log(
      `two instances: job ${said(a, 'job')?.job}/${said(b, 'job')?.job}; imports added ${ia.added}+${ib.added}, refused ${ia.refused}+${ib.refused}; ` +
        `bounces handled ${pa.processed}+${pb.processed}; sink messages ${sink.messages.length}`,
    );
    expect(pa.processed + pb.processed).toBe(BOUNCES + 1 + POISON);
  }, 180_000);
});
