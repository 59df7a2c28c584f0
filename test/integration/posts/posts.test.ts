// The posts pages on real PostgreSQL, sending through the real sender to the harness's SMTP sink
// (which refuses reject.example.test with 550): compose, send, progress, pause/resume, per-recipient results.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { ingestMessage } from '../../../src/intake/pipeline.js';
import { claimDeliveries } from '../../../src/sending/queue.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { sinkUrl } from '../../helpers/mail.js';
import { createStaff, get, post, signIn, type Session } from '../desk/staff.js';
import { makeDsn, tracking, verpFor } from '../intake/fixtures.js';

let ctx: TestContext;
let app: FastifyInstance;
let alpha: number;
let beta: number;
const s = {} as Record<'admin' | 'owner' | 'otherOwner' | 'desk', Session>;

async function compose(who: Session, listId: number, fields: Record<string, string>) {
  return post(app, who, `/admin/lists/${listId}/posts`, { _csrf: who.csrf, ...fields });
}

function postIdFrom(location: string | undefined): number {
  const m = /\/posts\/(\d+)\?/.exec(location ?? '');
  if (!m) throw new Error(`no post id in ${location}`);
  return Number(m[1]);
}

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext({ env: { SMTP_URL: sinkUrl() } });
  app = await buildApp(ctx);
  await app.ready();
  alpha = (await ctx.db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha' }).returning('id').executeTakeFirstOrThrow()).id;
  beta = (await ctx.db.insertInto('lists').values({ name: 'beta', display_name: 'Beta' }).returning('id').executeTakeFirstOrThrow()).id;
  const members = [];
  for (let i = 0; i < 120; i++) members.push({ list_id: alpha, address: `m${i}@ok.example.test` });
  members.push({ list_id: alpha, address: 'nobody@reject.example.test' });
  members.push({ list_id: alpha, address: 'ghost@reject.example.test' });
  members.push({ list_id: alpha, address: 'left@ok.example.test', status: 'unsubscribed' as const });
  await ctx.db.insertInto('members').values(members).execute();
  await ctx.db.insertInto('members').values({ list_id: beta, address: 'b@ok.example.test' }).execute();
  await createStaff(ctx.db, 'admin@example.org', 'site_admin');
  await createStaff(ctx.db, 'owner@example.org', 'list_admin', [alpha]);
  await createStaff(ctx.db, 'other@example.org', 'list_admin', [beta]);
  await createStaff(ctx.db, 'desk@example.org', 'service_desk');
  s.admin = await signIn(app, 'admin@example.org');
  s.owner = await signIn(app, 'owner@example.org');
  s.otherOwner = await signIn(app, 'other@example.org');
  s.desk = await signIn(app, 'desk@example.org');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('who may write and send posts', () => {
  let draft: number;
  beforeAll(async () => {
    draft = postIdFrom((await compose(s.admin, alpha, { subject: 'Fixture', text: 'Hello' })).headers.location);
  });

  it('refuses the service desk every posts page and action', async () => {
    for (const url of [`/admin/lists/${alpha}/posts`, `/admin/lists/${alpha}/posts/new`, `/admin/lists/${alpha}/posts/${draft}`, `/admin/lists/${alpha}/posts/${draft}/progress`]) {
      expect((await get(app, s.desk, url)).statusCode, url).toBe(403);
    }
    for (const action of ['start', 'pause', 'resume', 'cancel']) {
      expect((await post(app, s.desk, `/admin/lists/${alpha}/posts/${draft}/${action}`, { _csrf: s.desk.csrf })).statusCode).toBe(403);
    }
    expect((await compose(s.desk, alpha, { subject: 'x', text: 'y' })).statusCode).toBe(403);
  });

  it('refuses a list admin another list\'s posts', async () => {
    for (const url of [`/admin/lists/${alpha}/posts`, `/admin/lists/${alpha}/posts/new`, `/admin/lists/${alpha}/posts/${draft}`, `/admin/lists/${alpha}/posts/${draft}/progress`]) {
      expect((await get(app, s.otherOwner, url)).statusCode, url).toBe(403);
    }
    expect((await post(app, s.otherOwner, `/admin/lists/${alpha}/posts/${draft}/start`, { _csrf: s.otherOwner.csrf })).statusCode).toBe(403);
    expect((await compose(s.otherOwner, alpha, { subject: 'x', text: 'y' })).statusCode).toBe(403);
    // Nor through their own list's URL.
    expect((await get(app, s.otherOwner, `/admin/lists/${beta}/posts/${draft}`)).statusCode).toBe(404);
    expect((await post(app, s.otherOwner, `/admin/lists/${beta}/posts/${draft}/start`, { _csrf: s.otherOwner.csrf })).statusCode).toBe(404);
    expect((await ctx.db.selectFrom('posts').select('status').where('id', '=', draft).executeTakeFirstOrThrow()).status).toBe('draft');
  });

  it('refuses a send without the CSRF token', async () => {
    expect((await post(app, s.owner, `/admin/lists/${alpha}/posts/${draft}/start`, {})).statusCode).toBe(403);
    expect((await post(app, s.owner, `/admin/lists/${alpha}/posts`, { subject: 'x', text: 'y' })).statusCode).toBe(403);
    expect((await ctx.db.selectFrom('posts').select('status').where('id', '=', draft).executeTakeFirstOrThrow()).status).toBe('draft');
  });
});

describe('composing', () => {
  it('explains a missing subject, a missing body and a broken template, keeping the text', async () => {
    const noSubject = await compose(s.owner, alpha, { subject: '  ', text: 'Body kept' });
    expect(noSubject.statusCode).toBe(400);
    expect(noSubject.body).toContain('Write a subject.');
    expect(noSubject.body).toContain('Body kept');
    const noBody = await compose(s.owner, alpha, { subject: 'Hi', text: '', html: ' ' });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.body).toContain('Write the message as text, as HTML, or both.');
    const broken = await compose(s.owner, alpha, { subject: 'Hi', text: 'Hello {{#if address}} unclosed' });
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toMatch(/The text has a template mistake/);
  });

  it('saves a draft and shows how many enabled members it will go to', async () => {
    const res = await compose(s.owner, alpha, { subject: 'Draft only', text: 'Text', html: '<p>HTML</p>' });
    expect(res.statusCode).toBe(303);
    const page = await get(app, s.owner, res.headers.location!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Draft saved.');
    expect(page.body).toContain('Send to 122 enabled members');
    expect(page.body).toContain('&lt;p&gt;HTML&lt;/p&gt;');
  });
});

describe('sending', () => {
  let id: number;

  it('starts, shows progress without JS and as JSON, and lists every recipient with failures in red', async () => {
    id = postIdFrom((await compose(s.owner, alpha, { subject: 'Monthly news for {{address}}', text: 'Hello {{address}}' })).headers.location);
    const started = await post(app, s.owner, `/admin/lists/${alpha}/posts/${id}/start`, { _csrf: s.owner.csrf });
    expect(started.statusCode).toBe(303);
    const before = await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}/progress`);
    expect(before.json()).toMatchObject({ status: 'sending', total: 122, pending: 122, settled: 0, percent: 0 });
    const page = await get(app, s.owner, started.headers.location!);
    expect(page.body).toContain('Sending has started.');
    expect(page.body).toMatch(/<a href="[^"]+" data-refresh>Refresh<\/a>/);
    expect(page.body).toContain('/static/post-progress.js');

    const sender = new Sender(ctx, { idleMs: 50, retryScheduleMs: [3_600_000] });
    await sender.drain();
    await sender.stop();

    const after = (await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}/progress`)).json();
    expect(after).toMatchObject({ status: 'sent', total: 122, settled: 122, failures: 2, percent: 100, finished: true });
    // A 550 at RCPT is a hard bounce the sender records at once (it counts as handed over and as a failure).
    expect(after.counts).toMatchObject({ sent: 120, bounced: 2 });
    expect(after.accepted).toBe(120);

    const failures = await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}?show=failures`);
    const rows = [...failures.body.matchAll(/<tr class="failed" data-status="(\w+)">\s*<td>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(rows.sort()).toEqual([
      ['bounced', 'ghost@reject.example.test'],
      ['bounced', 'nobody@reject.example.test'],
    ]);
    expect(failures.body).toMatch(/User unknown/);
    expect(failures.body).not.toContain('m1@ok.example.test');
  });

  it('counts and lists a delivery a delay DSN came back for as delayed', async () => {
    const d = await ctx.db
      .selectFrom('deliveries')
      .select(['id', 'member_id', 'address'])
      .where('post_id', '=', id)
      .where('address', '=', 'm7@ok.example.test')
      .executeTakeFirstOrThrow();
    const dsn = makeDsn({
      to: verpFor(ctx, 'alpha', d.address, d.member_id as number),
      recipient: d.address,
      action: 'delayed',
      trackingHeader: tracking(ctx, d.id),
    });
    expect(await ingestMessage(ctx, dsn, { source: 'http' })).toMatchObject({ kind: 'delay', state: 'processed' });
    const progress = (await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}/progress`)).json();
    expect(progress).toMatchObject({ delayed: 1, accepted: 119, settled: 122, counts: { delayed: 1, sent: 119 } });
    const page = await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}?show=delayed`);
    expect([...page.body.matchAll(/data-status="(\w+)">\s*<td>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]])).toEqual([['delayed', 'm7@ok.example.test']]);
    expect(page.body).toMatch(/data-field="delayed">1<\/strong>delayed/);
  });

  it('pages through the recipients 100 at a time', async () => {
    const first = await get(app, s.owner, `/admin/lists/${alpha}/posts/${id}?show=all`);
    const count = (b: string) => (b.match(/<tr class="[^"]*" data-status=/g) ?? []).length;
    expect(count(first.body)).toBe(100);
    const next = /href="([^"]+)#results" rel="next"/.exec(first.body)![1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const second = await get(app, s.owner, next);
    expect(count(second.body)).toBe(22);
    expect(second.body).not.toContain('rel="next"');
  });

  it('lists the posts of a list with their failures', async () => {
    const res = await get(app, s.owner, `/admin/lists/${alpha}/posts`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Monthly news for {{address}}');
    expect(res.body).toMatch(/<span class="red">2<\/span>/);
  });

  it('pauses and resumes a post, refusing a pause that no longer applies', async () => {
    const pid = postIdFrom((await compose(s.admin, alpha, { subject: 'Second', text: 'x' })).headers.location);
    expect((await post(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/start`, { _csrf: s.admin.csrf })).statusCode).toBe(303);
    const paused = await post(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/pause`, { _csrf: s.admin.csrf });
    expect(paused.statusCode).toBe(303);
    const page = await get(app, s.admin, paused.headers.location!);
    expect(page.body).toContain('Sending is paused.');
    expect(page.body).toContain(`/posts/${pid}/resume`);
    // The sender leaves a paused post alone.
    const sender = new Sender(ctx, { idleMs: 50 });
    await sender.drain();
    expect((await get(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/progress`)).json()).toMatchObject({ status: 'paused', settled: 0 });
    expect((await post(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/pause`, { _csrf: s.admin.csrf })).statusCode).toBe(409);
    expect((await post(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/resume`, { _csrf: s.admin.csrf })).statusCode).toBe(303);
    await sender.drain();
    await sender.stop();
    expect((await get(app, s.admin, `/admin/lists/${alpha}/posts/${pid}/progress`)).json()).toMatchObject({ status: 'sent', settled: 122 });
  });

  it('answers 404 for a post of another list or no post', async () => {
    expect((await get(app, s.admin, `/admin/lists/${beta}/posts/${id}`)).statusCode).toBe(404);
    expect((await get(app, s.admin, `/admin/lists/${beta}/posts/${id}/progress`)).statusCode).toBe(404);
    expect((await get(app, s.admin, `/admin/lists/${alpha}/posts/999999`)).statusCode).toBe(404);
  });

  it('offers to queue again the messages a crash interrupted, and sends them when asked', async () => {
    const pid = postIdFrom((await compose(s.owner, alpha, { subject: 'Crash', text: 'x' })).headers.location);
    await post(app, s.owner, `/admin/lists/${alpha}/posts/${pid}/start`, { _csrf: s.owner.csrf });
    // A sender claims five messages and dies before recording them; the next sender finds them after the lease.
    expect(await claimDeliveries(ctx.db, 5, ctx.clock.now())).toHaveLength(5);
    ctx.clock.set(new Date(ctx.clock.now().getTime() + 60_000));
    const sender = new Sender(ctx, { idleMs: 20, leaseMs: 30_000 });
    await sender.drain();
    const page = await get(app, s.owner, `/admin/lists/${alpha}/posts/${pid}`);
    expect(page.body).toContain('5 messages were interrupted by a restart');
    const requeued = await post(app, s.owner, `/admin/lists/${alpha}/posts/${pid}/retry-interrupted`, { _csrf: s.owner.csrf });
    expect(requeued.statusCode).toBe(303);
    await sender.drain();
    await sender.stop();
    const after = (await get(app, s.owner, `/admin/lists/${alpha}/posts/${pid}/progress`)).json();
    expect(after).toMatchObject({ status: 'sent', accepted: 120, failures: 2 });
    expect((await get(app, s.owner, `/admin/lists/${alpha}/posts/${pid}`)).body).not.toContain('interrupted by a restart');
    expect((await post(app, s.desk, `/admin/lists/${alpha}/posts/${pid}/retry-interrupted`, { _csrf: s.desk.csrf })).statusCode).toBe(403);
  });
});
