import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaffUser, csrfFrom, signIn, type StaffSession } from './staff-session.js';

// Every admin path on both engines: PostgreSQL, and PGlite as `npm start` gives it to a newcomer.
describe.each(ENGINES)('admin pages on %s', (engine) => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let admin: StaffSession;
  let owner: StaffSession;
  let listId: number;

  beforeAll(async () => {
    ctx = await createTestContext({ engine });
    app = await buildApp(ctx);
    await app.ready();
    await createStaffUser(ctx.db, 'site@example.test', 'site_admin');
    admin = await signIn(app, 'site@example.test');
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });

  function post(s: StaffSession, url: string, payload: Record<string, unknown>) {
    return app.inject({ method: 'POST', url, headers: { cookie: s.cookie }, payload: { _csrf: s.csrfToken, ...payload } });
  }
  function get(s: StaffSession, url: string) {
    return app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
  }

  function multipart(fields: Record<string, string>, file: { name: string; filename: string; content: string }) {
    const boundary = '----lktest' + Math.random().toString(16).slice(2);
    const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
    );
    return { body: parts.join('') + `--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
  }

  async function waitForImport(s: StaffSession, url: string) {
    for (let i = 0; i < 200; i++) {
      const res = await get(s, `${url}/status`);
      const st = res.json() as { state: string };
      if (st.state !== 'running') return st;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('import did not finish');
  }

  describe('lists', () => {
    it('a site admin creates a list; bad input is explained field by field', async () => {
      const bad = await post(admin, '/admin/lists', { name: 'Bad Name!', display_name: '', owner_address: 'nope' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('Use 1 to 63 lower-case letters');
      expect(bad.body).toContain('Give the list a display name');
      expect(bad.body).toContain('Enter a valid email address, or leave it empty');
      const ok = await post(admin, '/admin/lists', { name: 'news', display_name: 'News & Views', owner_address: 'Owner@Example.org' });
      expect(ok.statusCode).toBe(303);
      listId = Number(/\/admin\/lists\/(\d+)/.exec(String(ok.headers.location))?.[1]);
      const page = await get(admin, `/admin/lists/${listId}`);
      expect(page.body).toContain('News &amp; Views');
      expect(page.body).toContain('owner owner@example.org');
      const dup = await post(admin, '/admin/lists', { name: 'news', display_name: 'Again' });
      expect(dup.body).toContain('A list with this name exists already');
    });

    it('a list admin edits their list and sees only their lists on the dashboard', async () => {
      const other = await ctx.db.insertInto('lists').values({ name: 'secret', display_name: 'Secret', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
      await createStaffUser(ctx.db, 'owner@example.test', 'list_admin', { listIds: [listId] });
      owner = await signIn(app, 'owner@example.test');
      const dash = await get(owner, '/admin');
      expect(dash.body).toContain('News &amp; Views');
      expect(dash.body).not.toContain('Secret');
      const res = await post(owner, `/admin/lists/${listId}/edit`, { display_name: 'News', description: 'Weekly', owner_address: '' });
      expect(res.statusCode).toBe(303);
      const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'list.updated').executeTakeFirstOrThrow();
      expect(audit.actor_label).toBe('owner@example.test');
      expect((await get(owner, `/admin/lists/${other.id}`)).statusCode).toBe(403);
    });
  });

  describe('members', () => {
    it('adds one member, refuses a bad or duplicate address', async () => {
      const ok = await post(owner, `/admin/lists/${listId}/members`, { address: '  Alice@Example.ORG ', display_name: 'Alice' });
      expect(ok.statusCode).toBe(303);
      const bad = await post(owner, `/admin/lists/${listId}/members`, { address: 'not-an-address' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('is not a valid email address');
      const dup = await post(owner, `/admin/lists/${listId}/members`, { address: 'alice@example.org' });
      expect(dup.body).toContain('alice@example.org is already on this list (status: enabled)');
    });

    it('imports a CSV all at once with a per-row report of refused rows', async () => {
      const csv = [
        'email,name',
        'bob@example.org,Bob',
        'not an address,X',
        'alice@example.org,Alice again',
        'carol@example.net,"Carol, C."',
        'BOB@example.org,Bob twice',
        ',empty',
        ...Array.from({ length: 3000 }, (_, i) => `user${i}@bulk.example,User ${i}`),
      ].join('\n');
      const mp = multipart({ _csrf: owner.csrfToken }, { name: 'file', filename: 'people.csv', content: csv });
      const res = await app.inject({
        method: 'POST',
        url: `/admin/lists/${listId}/import`,
        headers: { cookie: owner.cookie, 'content-type': mp.contentType },
        payload: mp.body,
      });
      expect(res.statusCode).toBe(303);
      const url = String(res.headers.location);
      const st = await waitForImport(owner, url);
      expect(st).toMatchObject({ state: 'succeeded', added: 3002, refused: 4 });
      // alice was added by hand before: 3,003 members now
      const report = await get(owner, url);
      expect(report.body).toContain('3,002</strong> members added');
      expect(report.body).toMatch(/<td class="num">3<\/td><td>not an address<\/td><td>Not a valid email address.<\/td>/);
      expect(report.body).toContain('Already on this list (status: enabled).');
      expect(report.body).toContain('Duplicate of line 2 in this file.');
      expect(report.body).toContain('No address in this row.');
      const carol = await ctx.db.selectFrom('members').selectAll().where('address', '=', 'carol@example.net').executeTakeFirstOrThrow();
      expect(carol.display_name).toBe('Carol, C.');
      const counts = await ctx.db.selectFrom('member_counts').selectAll().where('list_id', '=', listId).execute();
      expect(counts).toEqual([{ list_id: listId, status: 'enabled', n: 3003 }]);
      const csvReport = await get(owner, `${url}/refused.csv`);
      expect(csvReport.body.split('\n')[0]).toBe('line,address,reason');
    });

    it('imports nothing when the import fails part way', async () => {
      const before = await ctx.db.selectFrom('members').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const { importMembers } = await import('../../../src/members/imports.js');
      const candidates = Array.from({ length: 12000 }, (_, i) => ({ line: i + 1, address: `fail${i}@example.org`, displayName: '' }));
      // A name over the column's limits cannot happen through the parser; a bad list id makes the 3rd chunk fail.
      let chunks = 0;
      await expect(
        importMembers(ctx.db, { type: 'system', id: null, label: 'test' }, listId, { candidates, refused: [], totalRows: 12000 }, {
          onProgress: async () => {
            chunks++;
            if (chunks === 2) throw new Error('disk full');
          },
        }),
      ).rejects.toThrow('disk full');
      const after = await ctx.db.selectFrom('members').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it('refuses an empty or unreadable file with a clear message', async () => {
      const mp = multipart({ _csrf: owner.csrfToken }, { name: 'file', filename: 'empty.csv', content: '' });
      const res = await app.inject({
        method: 'POST',
        url: `/admin/lists/${listId}/import`,
        headers: { cookie: owner.cookie, 'content-type': mp.contentType },
        payload: mp.body,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Choose a CSV file to import');
    });

    it('refuses a UTF-16 file before importing anything, and a row whose name holds a NUL (PostgreSQL cannot store it)', async () => {
      const upload = (content: string) => {
        const mp = multipart({ _csrf: owner.csrfToken }, { name: 'file', filename: 'unicode.csv', content });
        return app.inject({
          method: 'POST',
          url: `/admin/lists/${listId}/import`,
          headers: { cookie: owner.cookie, 'content-type': mp.contentType },
          payload: mp.body,
        });
      };
      const utf16 = await upload(Buffer.from('\uFEFFemail,name\nnul.name@example.org,Null\n', 'utf16le').toString('latin1'));
      expect(utf16.statusCode).toBe(400);
      expect(utf16.body).toContain('This file is not UTF-8 text');
      const stray = await upload('nul.name@example.org,Nu\u0000ll\n');
      expect(stray.statusCode).toBe(303);
      const st = await waitForImport(owner, String(stray.headers.location));
      expect(st).toMatchObject({ state: 'succeeded', added: 0, refused: 1 });
      const report = await get(owner, String(stray.headers.location));
      expect(report.body).toContain('The name contains a control character');
      expect(await ctx.db.selectFrom('members').select('id').where('address', '=', 'nul.name@example.org').execute()).toEqual([]);
    });

    it('searches by part of the address, filters by status, and pages with keyset cursors', async () => {
      const found = await get(owner, `/admin/lists/${listId}?q=carol`);
      expect(found.body).toContain('carol@example.net');
      expect(found.body).not.toContain('bob@example.org');
      expect(found.body).toContain('1 member matches “carol”');
      const page1 = await get(owner, `/admin/lists/${listId}?q=bulk.example&limit=100`);
      expect(page1.body).toContain('More than 1,000');
      const next = /href="([^"]+)" rel="next"/.exec(page1.body)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
      expect(next).toBeTruthy();
      const page2 = await get(owner, next as string);
      const addrs = (html: string) => [...html.matchAll(/members\/\d+">([^<]+)</g)].map((m) => m[1]);
      const a1 = addrs(page1.body);
      const a2 = addrs(page2.body);
      expect(a1).toHaveLength(100);
      expect(a2).toHaveLength(100);
      expect(a2[0] > a1[99]).toBe(true);
      const prev = /href="([^"]+)" rel="prev"/.exec(page2.body)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
      const back = await get(owner, prev as string);
      expect(addrs(back.body)).toEqual(a1);
      const disabled = await get(owner, `/admin/lists/${listId}?status=disabled_by_bounce`);
      expect(disabled.body).toContain('No members here yet');
    });

    it('exports the list as CSV', async () => {
      const res = await get(owner, `/admin/lists/${listId}/export.csv`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      const lines = res.body.trim().split('\n');
      expect(lines[0]).toBe('address,display_name,status,score,last_bounce_date,disabled_on,subscribed_at');
      expect(lines).toHaveLength(3004);
      expect(lines[1]).toMatch(/^alice@example.org,Alice,enabled,0,/);
    });
  });

  describe('member page', () => {
    let memberId: number;
    let eventId: number;
    beforeAll(async () => {
      const m = await ctx.db
        .updateTable('members')
        .set({ status: 'disabled_by_bounce', score: 5, last_bounce_date: '2025-12-30', disabled_on: '2025-12-31', last_warning_date: '2025-12-31', warnings_left: 2, warnings_sent: 1 })
        .where('address', '=', 'bob@example.org')
        .returning('id')
        .executeTakeFirstOrThrow();
      memberId = m.id;
      const raw = Buffer.from('From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n<bob@example.org>: 550 5.1.1 user unknown <script>alert(1)</script>\r\n');
      const im = await ctx.db
        .insertInto('inbound_messages')
        .values({ source: 'imap', content_hash: 'h1', raw, size: raw.length, subject: 'Undelivered Mail Returned to Sender', kind: 'bounce', state: 'processed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ev = await ctx.db
        .insertInto('bounce_events')
        .values({ list_id: listId, member_id: memberId, inbound_message_id: im.id, source: 'imap', kind: 'bounce', category: 'hard', reason: 'user_unknown', address: 'bob@example.org', status: '5.1.1', diagnostic: '550 5.1.1 user unknown', event_date: '2025-12-30', weight: 1, scored_on: '2025-12-30', effect: 'scored' })
        .returning('id')
        .executeTakeFirstOrThrow();
      eventId = ev.id;
    });

    it('shows status with days left before removal, score and the bounce timeline', async () => {
      const res = await get(owner, `/admin/lists/${listId}/members/${memberId}`);
      expect(res.statusCode).toBe(200);
      // Last notice 2025-12-31, 2 notices left, 7 days apart: removal on 2026-01-21; today is 2026-01-01.
      expect(res.body).toContain('on 2026-01-21 unless re-enabled (20 days left');
      expect(res.body).toContain('user_unknown');
      expect(res.body).toContain('550 5.1.1 user unknown');
      expect(res.body).toContain(`/events/${eventId}/raw`);
    });

    it('shows the raw bounce escaped, and only through its own list and member', async () => {
      const res = await get(owner, `/admin/lists/${listId}/members/${memberId}/events/${eventId}/raw`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.body).not.toContain('<script>alert(1)');
      const other = await ctx.db.selectFrom('members').select('id').where('address', '=', 'alice@example.org').executeTakeFirstOrThrow();
      expect((await get(owner, `/admin/lists/${listId}/members/${other.id}/events/${eventId}/raw`)).statusCode).toBe(404);
      const dl = await get(owner, `/admin/lists/${listId}/members/${memberId}/events/${eventId}/raw?download=1`);
      expect(dl.headers['content-type']).toBe('message/rfc822');
    });

    it('re-enables after a confirmation page, and audits it', async () => {
      const confirm = await get(owner, `/admin/lists/${listId}/members/${memberId}/confirm/reenable`);
      expect(confirm.body).toContain('Re-enable delivery to this member?');
      const res = await post(owner, `/admin/lists/${listId}/members/${memberId}/actions/reenable`, { _csrf: csrfFrom(confirm.body) });
      expect(res.statusCode).toBe(303);
      const m = await ctx.db.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirstOrThrow();
      expect(m.status).toBe('enabled');
      expect(Number(m.score)).toBe(0);
      const page = await get(owner, String(res.headers.location));
      expect(page.body).toContain('Delivery is re-enabled');
      expect(page.body).toContain('member.reenabled');
      const again = await post(owner, `/admin/lists/${listId}/members/${memberId}/actions/reenable`, {});
      expect(String(again.headers.location)).toContain('flash=unchanged');
    });

    it('removes a member; the counts follow', async () => {
      const res = await post(admin, `/admin/lists/${listId}/members/${memberId}/actions/remove`, {});
      expect(res.statusCode).toBe(303);
      const counts = await ctx.db.selectFrom('member_counts').select(['status', 'n']).where('list_id', '=', listId).where('n', '>', 0).orderBy('status').execute();
      expect(counts).toEqual([
        { status: 'enabled', n: 3002 },
        { status: 'removed', n: 1 },
      ]);
    });
  });

  describe('staff management', () => {
    it('creates a list admin with a one-time password, assigns lists, deactivates', async () => {
      const page = await get(admin, '/admin/staff');
      const res = await post(admin, '/admin/staff', { email: 'New@Example.test', name: 'New', role: 'list_admin', list_ids: [String(listId)], _csrf: csrfFrom(page.body) });
      expect(res.statusCode).toBe(200);
      const pw = /<code class="secret">([^<]+)<\/code>/.exec(res.body)?.[1];
      expect(pw).toBeTruthy();
      const user = await ctx.db.selectFrom('staff_users').selectAll().where('email', '=', 'new@example.test').executeTakeFirstOrThrow();
      expect(user.must_change_password).toBe(true);
      const s = await signIn(app, 'new@example.test', pw as string);
      expect((await get(s, '/admin')).headers.location).toBe('/account/password');
      const lists = await post(admin, `/admin/staff/${user.id}/lists`, { list_ids: [] });
      expect(lists.statusCode).toBe(303);
      expect(await ctx.db.selectFrom('staff_list_access').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
      const off = await post(admin, `/admin/staff/${user.id}/active`, { active: 'false' });
      expect(off.statusCode).toBe(303);
      expect(await ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
      await expect(signIn(app, 'new@example.test', pw as string)).rejects.toThrow(/401/);
      const actions = (await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'staff.%').execute()).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['staff.created', 'staff.list_access_changed', 'staff.deactivated']));
    });

    it('refuses a duplicate account and a bad role', async () => {
      const res = await post(admin, '/admin/staff', { email: 'site@example.test', role: 'wizard' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Choose a role.');
    });
  });

  describe('staff management under hostile or concurrent input', () => {
    it('ignores list ids that name no list, instead of failing on the foreign key', async () => {
      const page = await get(admin, '/admin/staff');
      const res = await post(admin, '/admin/staff', { email: 'ghost-lists@example.test', name: 'Ghost', role: 'list_admin', list_ids: [String(listId), '999999999'], _csrf: csrfFrom(page.body) });
      expect(res.statusCode).toBe(200);
      const user = await ctx.db.selectFrom('staff_users').select('id').where('email', '=', 'ghost-lists@example.test').executeTakeFirstOrThrow();
      expect((await ctx.db.selectFrom('staff_list_access').select('list_id').where('user_id', '=', user.id).execute()).map((r) => r.list_id)).toEqual([listId]);
      const big = await post(admin, `/admin/staff/${user.id}/lists`, { list_ids: ['2147483648'] });
      expect(big.statusCode).toBe(400);
    });

    it('saves a list admin\'s lists from several requests at once without a duplicate-key error', async () => {
      const userId = await createStaffUser(ctx.db, 'busy-owner@example.test', 'list_admin');
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(admin, `/admin/staff/${userId}/lists`, { list_ids: [String(listId)] })));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(303));
      expect(await ctx.db.selectFrom('staff_list_access').select('list_id').where('user_id', '=', userId).execute()).toEqual([{ list_id: listId }]);
    });
  });

  describe('dashboard', () => {
    it('shows members by status, this week’s bounces, red marks for hard bounces, complaints and blocks, and a trend chart', async () => {
      const day = (n: number) => new Date(Date.parse('2026-01-01T00:00:00Z') - n * 86_400_000).toISOString().slice(0, 10);
      const ev = (kind: 'bounce' | 'complaint', category: 'hard' | 'soft' | 'blocked' | null, d: string) => ({
        list_id: listId, source: 'imap' as const, kind, category, address: 'x@example.org', event_date: d, weight: 0,
      });
      await ctx.db.insertInto('bounce_events').values([
        ev('bounce', 'soft', day(1)),
        ev('bounce', 'soft', day(2)),
        ev('bounce', 'blocked', day(3)),
        ev('complaint', null, day(4)),
        ev('bounce', 'hard', day(20)),
      ]).execute();
      const res = await get(owner, '/admin');
      expect(res.statusCode).toBe(200);
      const row = /<tr class="alarm">([\s\S]*?)<\/tr>/.exec(res.body)?.[1] ?? '';
      expect(row).toContain('News');
      // enabled, disabled, pending, unsubscribed, removed, bounces this week: the member page's hard bounce of
      // 2025-12-30, 2 soft, 1 blocked (the complaint is counted apart)
      const nums = [...row.matchAll(/<td class="num">([\d,]+)<\/td>/g)].map((m) => m[1]);
      expect(nums).toEqual(['3,002', '0', '0', '0', '1', '4']);
      expect(row).toContain('1 hard');
      expect(row).toContain('1 complaint');
      expect(row).toContain('1 blocked');
      expect(row).toMatch(/<svg class="trend"[^>]*aria-label="Bounces per day from 2025-12-05 to 2026-01-01: \d+ in all"/);
      expect(row).toContain('<title>2025-12-12: 1 hard, 0 soft, 0 blocked</title>');
    });
  });
});
