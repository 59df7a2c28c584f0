// The posts JSON API: the staff session, role, list access and CSRF header guard it like the admin pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaffUser, signIn } from '../http/staff-session.js';
import { createListWithMembers } from './fixtures.js';

describe('posts API', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let listId: number;
  let otherList: number;

  beforeAll(async () => {
    ctx = await createTestContext();
    ({ listId } = await createListWithMembers(ctx.db, 'apilist', ['a@ok.example.test', 'b@ok.example.test']));
    ({ listId: otherList } = await createListWithMembers(ctx.db, 'other', ['c@ok.example.test']));
    await createStaffUser(ctx.db, 'admin@ok.example.test', 'list_admin', { listIds: [listId] });
    await createStaffUser(ctx.db, 'desk@ok.example.test', 'service_desk');
    app = await buildApp(ctx);
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });

  it('refuses without a session, without CSRF, for the service desk and for another list', async () => {
    const anon = await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts`, payload: { subject: 'x', text: 'y' } });
    expect(anon.statusCode).not.toBe(201);
    expect(await ctx.db.selectFrom('posts').select('id').execute()).toEqual([]);

    const s = await signIn(app, 'admin@ok.example.test');
    const noCsrf = await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts`, headers: { cookie: s.cookie }, payload: { subject: 'x', text: 'y' } });
    expect(noCsrf.statusCode).toBe(403);
    const other = await app.inject({
      method: 'POST',
      url: `/api/lists/${otherList}/posts`,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
      payload: { subject: 'x', text: 'y' },
    });
    expect(other.statusCode).toBe(403);

    const desk = await signIn(app, 'desk@ok.example.test');
    const byDesk = await app.inject({
      method: 'POST',
      url: `/api/lists/${listId}/posts`,
      headers: { cookie: desk.cookie, 'x-csrf-token': desk.csrfToken },
      payload: { subject: 'x', text: 'y' },
    });
    expect(byDesk.statusCode).toBe(403);
    expect(await ctx.db.selectFrom('posts').select('id').execute()).toEqual([]);
  });

  it('creates, starts, pauses, resumes a post and reports progress', async () => {
    const s = await signIn(app, 'admin@ok.example.test');
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrfToken };
    const created = await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts`, headers, payload: { subject: 'Hello', text: 'Body {{unsubscribeUrl}}' } });
    expect(created.statusCode).toBe(201);
    const { postId } = created.json() as { postId: number };
    const bad = await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts`, headers, payload: { subject: 'Hello {{#if}}', text: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ ok: false, error: 'bad_template', field: 'subject' });

    const start = await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts/${postId}/start`, headers });
    expect(start.json()).toEqual({ ok: true, status: 'sending', total: 2 });
    expect((await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts/${postId}/start`, headers })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts/${postId}/pause`, headers })).json()).toEqual({ ok: true, status: 'paused' });
    expect((await app.inject({ method: 'POST', url: `/api/lists/${listId}/posts/${postId}/resume`, headers })).json()).toEqual({ ok: true, status: 'sending' });
    // The post of one list is not reachable through another list's URL.
    expect((await app.inject({ method: 'GET', url: `/api/lists/${otherList}/posts/${postId}`, headers })).statusCode).toBe(403);
    const progress = await app.inject({ method: 'GET', url: `/api/lists/${listId}/posts/${postId}`, headers });
    expect(progress.json()).toMatchObject({ postId, status: 'sending', total: 2, counts: { queued: 2 } });
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'post.%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['post.created', 'post.paused', 'post.resumed', 'post.started']);
  });
});
