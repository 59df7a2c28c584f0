// The service desk on real PostgreSQL: roles, CSRF, validation messages, the preview before saving, the audit log.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../../src/audit.js';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaff, get, post, signIn, type Session } from './staff.js';

let ctx: TestContext;
let app: FastifyInstance;
let alpha: number;
let beta: number;
const s: Record<'admin' | 'desk' | 'listAdmin', Session> = {} as never;

const BASE = {
  threshold: '5',
  stale_after_days: '7',
  warnings: '3',
  warning_interval_days: '7',
  blocked_weight: '0',
  switches: '1',
  notify_owner_on_disable: 'on',
  notify_owner_on_removal: 'on',
  unsubscribe_on_complaint: 'on',
  process_bounces: 'on',
};

async function threshold(listId: number): Promise<number> {
  const row = await ctx.db.selectFrom('lists').select('threshold').where('id', '=', listId).executeTakeFirstOrThrow();
  return Number(row.threshold);
}

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildApp(ctx);
  alpha = (await ctx.db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha' }).returning('id').executeTakeFirstOrThrow()).id;
  beta = (await ctx.db.insertInto('lists').values({ name: 'beta', display_name: 'Beta', threshold: 8 }).returning('id').executeTakeFirstOrThrow()).id;
  // alpha: enabled members scoring 2, 3, 4 and 6; one disabled member; a score-9 member that unsubscribed.
  const members = [
    { address: 'a2@example.org', score: 2 },
    { address: 'a3@example.org', score: 3 },
    { address: 'a4@example.org', score: 4 },
    { address: 'a6@example.org', score: 6 },
  ].map((m) => ({ ...m, list_id: alpha, status: 'enabled' as const, last_bounce_date: '2025-12-31' }));
  await ctx.db.insertInto('members').values(members).execute();
  await ctx.db
    .insertInto('members')
    .values([
      { list_id: alpha, address: 'off@example.org', status: 'disabled_by_bounce', score: 7, warnings_left: 2 },
      { list_id: alpha, address: 'gone@example.org', status: 'unsubscribed', score: 9 },
    ])
    .execute();
  await createStaff(ctx.db, 'admin@example.org', 'site_admin');
  await createStaff(ctx.db, 'desk@example.org', 'service_desk');
  await createStaff(ctx.db, 'owner@example.org', 'list_admin', [alpha]);
  await app.ready();
  s.admin = await signIn(app, 'admin@example.org');
  s.desk = await signIn(app, 'desk@example.org');
  s.listAdmin = await signIn(app, 'owner@example.org');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('who may use the service desk', () => {
  it('shows every list with its bounce settings to the service desk and to site admins', async () => {
    for (const who of [s.desk, s.admin]) {
      const res = await get(app, who, '/desk');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('id="list-alpha"');
      expect(res.body).toContain('id="list-beta"');
      expect(res.body).toMatch(/<td class="num">8<\/td>/);
      expect(res.body).toContain('href="/admin/mail/unrecognised"');
    }
    // The outbox (every list's outgoing mail) is linked for site admins only, as its pages allow.
    expect((await get(app, s.admin, '/desk')).body).toContain('href="/admin/mail/outbox"');
    expect((await get(app, s.desk, '/desk')).body).not.toContain('href="/admin/mail/outbox"');
  });

  it('refuses a list admin every desk page and action, even for their own list', async () => {
    const before = await threshold(alpha);
    for (const url of ['/desk', `/desk/lists/${alpha}`, `/desk/lists/${beta}`, '/desk/audit']) {
      expect((await get(app, s.listAdmin, url)).statusCode, url).toBe(403);
    }
    const res = await post(app, s.listAdmin, `/desk/lists/${alpha}`, {
      ...BASE,
      threshold: '2',
      intent: 'save',
      previewed: '2|7|3|7|0|1|1|1|1',
      _csrf: s.listAdmin.csrf,
    });
    expect(res.statusCode).toBe(403);
    expect(await threshold(alpha)).toBe(before);
  });

  it('sends a visitor without a session to sign in, and refuses their form posts', async () => {
    const page = await get(app, null, '/desk');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toMatch(/^\/login\?next=/);
    const res = await post(app, null, `/desk/lists/${alpha}`, { ...BASE, threshold: '2', intent: 'save' });
    expect([401, 403]).toContain(res.statusCode);
    expect(await threshold(alpha)).toBe(5);
  });

  it('refuses a save without the CSRF token, or with another session\'s token', async () => {
    const values = { ...BASE, threshold: '2', intent: 'save', previewed: '2|7|3|7|0|1|1|1|1' };
    expect((await post(app, s.desk, `/desk/lists/${alpha}`, values)).statusCode).toBe(403);
    expect((await post(app, s.desk, `/desk/lists/${alpha}`, { ...values, _csrf: s.admin.csrf })).statusCode).toBe(403);
    expect(await threshold(alpha)).toBe(5);
  });
});

describe('editing a list\'s bounce settings', () => {
  it('opens the form with the current values', async () => {
    const res = await get(app, s.desk, `/desk/lists/${beta}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/id="threshold"[^>]*value="8"/);
    expect(res.body).toContain('name="intent" value="preview"');
    expect(res.body).not.toContain('name="intent" value="save"');
  });

  it('answers 404 for a list that does not exist', async () => {
    expect((await get(app, s.desk, '/desk/lists/999999')).statusCode).toBe(404);
  });

  it('refuses out-of-range values with a clear message per field and keeps what was typed', async () => {
    const res = await post(app, s.desk, `/desk/lists/${alpha}`, {
      ...BASE,
      threshold: '0',
      stale_after_days: '0',
      warnings: '60',
      warning_interval_days: 'weekly',
      blocked_weight: '0.7',
      intent: 'preview',
      _csrf: s.desk.csrf,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Nothing was saved');
    expect(res.body).toContain('Threshold must be greater than 0.');
    expect(res.body).toContain('Stale after must be between 1 and 365 days.');
    expect(res.body).toContain('Warnings must be between 0 and 52');
    expect(res.body).toContain('Warning interval must be a whole number.');
    expect(res.body).toContain('Blocked weight must be 0 (not counted) or 0.5 (counted as soft).');
    expect(res.body).toMatch(/id="warning_interval_days"[^>]*value="weekly"/);
    expect(res.body).toMatch(/id="threshold"[^>]*aria-invalid="true"/);
    expect(res.body).not.toContain('name="intent" value="save"');
    expect(await threshold(alpha)).toBe(5);
  });

  it('previews how many members the next run would disable, without saving', async () => {
    const res = await post(app, s.desk, `/desk/lists/${alpha}`, { ...BASE, threshold: '3', intent: 'preview', _csrf: s.desk.csrf });
    expect(res.statusCode).toBe(200);
    // scores 3, 4 and 6 reach 3; the disabled and the unsubscribed members are not counted
    expect(res.body).toMatch(/<strong>3<\/strong> members would be disabled at the next run/);
    expect(res.body).toContain('With the current settings: 1.');
    expect(res.body).toMatch(/Threshold: 5 → <strong>3<\/strong>/);
    expect(res.body).toContain('name="intent" value="save"');
    expect(res.body).toContain('name="previewed" value="3|7|3|7|0|1|1|1|1"');
    expect(await threshold(alpha)).toBe(5);
  });

  it('previews again instead of saving when the values changed after the preview', async () => {
    const res = await post(app, s.desk, `/desk/lists/${alpha}`, {
      ...BASE,
      threshold: '4',
      intent: 'save',
      previewed: '3|7|3|7|0|1|1|1|1',
      _csrf: s.desk.csrf,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The values changed since the preview');
    expect(res.body).toMatch(/<strong>2<\/strong> members would be disabled/);
    expect(await threshold(alpha)).toBe(5);
  });

  it('saves the previewed values and writes one audit entry with the values before and after', async () => {
    const res = await post(app, s.desk, `/desk/lists/${alpha}`, {
      ...BASE,
      threshold: '3',
      process_bounces: '',
      switches: '1',
      intent: 'save',
      previewed: '3|7|3|7|0|1|1|1|1',
      _csrf: s.desk.csrf,
    });
    // process_bounces '' counts as unchecked: the fingerprint differs, so this is a re-preview
    expect(res.statusCode).toBe(200);
    const values: Record<string, string> = { ...BASE, threshold: '3', intent: 'save', previewed: '3|7|3|7|0|1|1|1|1', _csrf: s.desk.csrf };
    const saved = await post(app, s.desk, `/desk/lists/${alpha}`, values);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/desk?saved=alpha');
    expect(await threshold(alpha)).toBe(3);
    const entries = await ctx.db.selectFrom('audit_log').selectAll().where('list_id', '=', alpha).where('action', '=', 'list.settings_updated').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0].actor_label).toBe('desk@example.org');
    expect(entries[0].details).toEqual({ before: { threshold: 5 }, after: { threshold: 3 } });
    const desk = await get(app, s.desk, '/desk?saved=alpha');
    expect(desk.body).toContain('Settings of alpha saved.');
    const log = await get(app, s.desk, `/desk/audit?list=${alpha}`);
    expect(log.body).toContain('list.settings_updated');
    expect(log.body).toMatch(/Threshold: 5 → <strong>3<\/strong>/);
    expect(log.body).toContain('desk@example.org');
  });

  it('turns switches off when their box is unchecked', async () => {
    const values: Record<string, string> = { ...BASE, notify_owner_on_disable: '', _csrf: s.admin.csrf, intent: 'preview' };
    delete values.notify_owner_on_disable;
    const preview = await post(app, s.admin, `/desk/lists/${beta}`, { ...values, threshold: '8' });
    expect(preview.body).toMatch(/Notify owner on disable: on → <strong>off<\/strong>/);
    const m = /name="previewed" value="([^"]+)"/.exec(preview.body)!;
    const saved = await post(app, s.admin, `/desk/lists/${beta}`, { ...values, threshold: '8', intent: 'save', previewed: m[1] });
    expect(saved.statusCode).toBe(303);
    const row = await ctx.db.selectFrom('lists').select(['notify_owner_on_disable', 'threshold']).where('id', '=', beta).executeTakeFirstOrThrow();
    expect(row).toEqual({ notify_owner_on_disable: false, threshold: 8 });
  });
});

describe('the audit log', () => {
  beforeAll(async () => {
    // 130 entries spread over three days, from three actors, on both lists.
    const actors = [
      { type: 'staff' as const, id: 1, label: 'carol@example.org' },
      { type: 'system' as const, id: null, label: 'system' },
      { type: 'member' as const, id: null, label: 'dave@example.net' },
    ];
    for (let i = 0; i < 130; i++) {
      const day = ['2026-02-01', '2026-02-02', '2026-02-03'][i % 3];
      await ctx.db
        .insertInto('audit_log')
        .values({
          at: new Date(`${day}T10:00:00Z`),
          actor_type: actors[i % 3].type,
          actor_id: actors[i % 3].id,
          actor_label: actors[i % 3].label,
          action: i % 2 ? 'member.reenabled' : 'member.removed',
          list_id: i % 4 === 0 ? beta : alpha,
          details: JSON.stringify({ n: i }),
        })
        .execute();
    }
    await audit(ctx.db, { type: 'staff', id: 2, label: 'eve@example.org' }, { action: 'list.created', listId: beta });
  });

  function unescapeHtml(s: string): string {
    return s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replaceAll('&amp;', '&');
  }

  function ns(body: string): number[] {
    return [...body.matchAll(/\{&quot;n&quot;:(\d+)\}/g)].map((m) => Number(m[1]));
  }

  it('pages through every entry exactly once, newest first, 50 a page', async () => {
    const seen: number[] = [];
    let url: string | null = '/desk/audit?action=member.removed';
    let pages = 0;
    while (url) {
      const res = await get(app, s.desk, url);
      expect(res.statusCode).toBe(200);
      const page = ns(res.body);
      expect(page.length).toBeLessThanOrEqual(50);
      seen.push(...page);
      const next = /href="([^"]+)" rel="next"/.exec(res.body);
      url = next ? unescapeHtml(next[1]) : null;
      pages++;
      if (pages > 5) throw new Error('paging does not end');
    }
    expect(pages).toBe(2);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 65 }, (_, i) => i * 2));
  });

  it('filters by list, action, actor and date range together', async () => {
    const res = await get(app, s.admin, `/desk/audit?list=${beta}&action=member.removed&actor=CAROL&from=2026-02-01&to=2026-02-01`);
    expect(res.statusCode).toBe(200);
    const expected = Array.from({ length: 130 }, (_, i) => i).filter((i) => i % 4 === 0 && i % 2 === 0 && i % 3 === 0);
    expect(ns(res.body).sort((a, b) => a - b)).toEqual(expected);
  });

  it('finds system and member actors', async () => {
    const res = await get(app, s.admin, '/desk/audit?actor=system&from=2026-02-02&to=2026-02-03');
    const got = ns(res.body);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((i) => i % 3 === 1)).toBe(true);
  });

  it('explains a malformed date instead of failing', async () => {
    const res = await get(app, s.admin, '/desk/audit?from=yesterday');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('From must be a date like 2026-01-31.');
  });
});
