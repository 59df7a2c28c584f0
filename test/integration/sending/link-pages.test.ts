// The signed-link pages: GET never changes anything; POST re-enables / confirms; forged and expired links get
// a clear page and change nothing; the manage page lists the address's lists with working buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/http/app.js';
import { linkUrl } from '../../../src/links/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createListWithMembers } from './fixtures.js';

describe('signed link pages', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let listId: number;
  let members: Map<string, number>;
  const path = (url: string) => url.replace(ctx.config.baseUrl, '');
  const status = async (id: number) =>
    (await ctx.db.selectFrom('members').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  beforeAll(async () => {
    ctx = await createTestContext();
    ({ listId, members } = await createListWithMembers(ctx.db, 'pages', ['off@ok.example.test', 'new@ok.example.test', 'on@ok.example.test']));
    await ctx.db.updateTable('members').set({ status: 'disabled_by_bounce', score: 5 }).where('id', '=', members.get('off@ok.example.test')!).execute();
    await ctx.db.updateTable('members').set({ status: 'pending' }).where('id', '=', members.get('new@ok.example.test')!).execute();
    app = await buildApp(ctx);
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });

  it('re-enable: GET asks, POST re-enables; a forged token changes nothing', async () => {
    const id = members.get('off@ok.example.test')!;
    const url = path(linkUrl(ctx.config, 'reenable', id, listId, ctx.clock.today()));
    const get = await app.inject({ method: 'GET', url });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('Re-enable my delivery');
    expect(await status(id)).toBe('disabled_by_bounce');
    const forged = await app.inject({ method: 'POST', url: url.replace(`.${id}.`, `.${id + 1}.`) });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('Nothing was changed');
    expect(await status(id)).toBe('disabled_by_bounce');
    const post = await app.inject({ method: 'POST', url });
    expect(post.statusCode).toBe(200);
    expect(await status(id)).toBe('enabled');
  });

  it('confirm: a pending member is enabled and welcomed; an expired link gets 410 and changes nothing', async () => {
    const id = members.get('new@ok.example.test')!;
    const old = path(linkUrl(ctx.config, 'confirm', id, listId, '2025-01-01'));
    const expired = await app.inject({ method: 'POST', url: old });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('expired');
    expect(await status(id)).toBe('pending');
    const res = await app.inject({ method: 'POST', url: path(linkUrl(ctx.config, 'confirm', id, listId, ctx.clock.today())) });
    expect(res.statusCode).toBe(200);
    expect(await status(id)).toBe('enabled');
    const welcome = await ctx.db.selectFrom('notices').select(['type', 'to_address']).where('member_id', '=', id).execute();
    expect(welcome).toEqual([{ type: 'welcome', to_address: 'new@ok.example.test' }]);
  });

  it('unsubscribe answers the same for a member already gone (reveals nothing)', async () => {
    const id = members.get('on@ok.example.test')!;
    const url = path(linkUrl(ctx.config, 'unsubscribe', id, listId, ctx.clock.today()));
    const first = await app.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'text/plain' } });
    const second = await app.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'text/plain' } });
    expect(first.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(await status(id)).toBe('unsubscribed');
  });

  it('manage shows the lists of the address with signed buttons', async () => {
    const id = members.get('off@ok.example.test')!;
    const res = await app.inject({ method: 'GET', url: path(linkUrl(ctx.config, 'manage', id, listId, ctx.clock.today())) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The pages list');
    expect(res.body).toMatch(/action="\/s\/unsubscribe\/u\.\d+\.\d+\.\d{8}\.[A-Za-z0-9_-]{22}"/);
    const bad = await app.inject({ method: 'GET', url: '/s/manage/garbage' });
    expect(bad.statusCode).toBe(400);
  });
});
