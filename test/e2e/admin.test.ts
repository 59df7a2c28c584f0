// A list admin's main flow in a real browser: sign in, import a CSV with bad rows and read the report, find a
// member by search, open its bounce timeline and raw bounce, re-enable it.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { hashPassword } from '../../src/staff/passwords.js';
import { launchBrowser, withPage } from '../helpers/browser.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

let ctx: TestContext;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let listId: number;
const PASSWORD = 'list owner password';

beforeAll(async () => {
  ctx = await createTestContext();
  const list = await ctx.db
    .insertInto('lists')
    .values({ name: 'garden-club', display_name: 'Garden Club', threshold: 5, blocked_weight: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  listId = list.id;
  const owner = await ctx.db
    .insertInto('staff_users')
    .values({ email: 'owner@example.test', name: 'Owner', role: 'list_admin', password_hash: await hashPassword(PASSWORD) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('staff_list_access').values({ user_id: owner.id, list_id: listId }).execute();
  const member = await ctx.db
    .insertInto('members')
    .values({
      list_id: listId,
      address: 'rosa.bounced@mail.example',
      display_name: 'Rosa',
      status: 'disabled_by_bounce',
      score: 5,
      last_bounce_increment: 1,
      last_bounce_date: '2025-12-30',
      disabled_on: '2025-12-31',
      last_warning_date: '2025-12-31',
      warnings_left: 2,
      warnings_sent: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const raw = Buffer.from(
    'From: Mail Delivery System <MAILER-DAEMON@mx.mail.example>\r\nTo: garden-club-bounces+rosa.bounced=mail.example@lists.example.test\r\n' +
      'Subject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain\r\n\r\n' +
      '<rosa.bounced@mail.example>: host mx.mail.example said: 550 5.1.1 <rosa.bounced@mail.example>: Recipient address rejected: User unknown\r\n',
  );
  const inbound = await ctx.db
    .insertInto('inbound_messages')
    .values({ source: 'imap', content_hash: 'e2e-1', raw, size: raw.length, subject: 'Undelivered Mail Returned to Sender', kind: 'bounce', state: 'processed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('bounce_events')
    .values({
      list_id: listId,
      member_id: member.id,
      inbound_message_id: inbound.id,
      source: 'imap',
      kind: 'bounce',
      category: 'hard',
      reason: 'user_unknown',
      address: 'rosa.bounced@mail.example',
      status: '5.1.1',
      diagnostic: '550 5.1.1 Recipient address rejected: User unknown',
      remote_mta: 'mx.mail.example',
      event_date: '2025-12-30',
      weight: 1,
      scored_on: '2025-12-30',
      effect: 'scored',
    })
    .execute();
  app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

describe('list admin in the browser', () => {
  it('signs in, imports a CSV with bad rows, finds a member, reads its raw bounce and re-enables it', async () => {
    await withPage(browser, async (page) => {
      // Sign in: a staff page sends us to the login form and back.
      await page.goto(`${base}/admin`);
      await expect.poll(() => page.url()).toContain('/login');
      await page.getByLabel('Email').fill('owner@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin`);
      await page.screenshot({ path: '/tmp/lk-e2e-dashboard.png', fullPage: true });
      await page.getByRole('link', { name: 'Garden Club' }).click();
      await page.waitForURL(`${base}/admin/lists/${listId}`);

      // Import: 1,500 good rows, a bad address, a duplicate in the file, the member already on the list.
      await page.getByRole('link', { name: 'Import CSV' }).click();
      const rows = ['email,name', 'not-an-email,Broken', 'rosa.bounced@mail.example,Rosa again'];
      for (let i = 0; i < 1500; i++) rows.push(`gardener${String(i).padStart(4, '0')}@seeds.example,Gardener ${i}`);
      rows.push('gardener0007@seeds.example,Twice');
      await page.getByLabel('CSV file').setInputFiles({ name: 'gardeners.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.locator('#import-result').waitFor({ timeout: 20_000 });
      await expect.poll(() => page.locator('#import-result').innerText()).toContain('1,500 members added, 3 rows refused');
      const report = page.locator('#refused-rows');
      await expect.poll(() => report.innerText()).toContain('Not a valid email address.');
      expect(await report.innerText()).toContain('Already on this list (status: disabled_by_bounce).');
      expect(await report.innerText()).toContain('Duplicate of line');
      await page.screenshot({ path: '/tmp/lk-e2e-import-report.png', fullPage: true });

      // Find the member by part of its address.
      await page.getByRole('link', { name: 'Back to the members' }).click();
      await page.getByLabel('Address').fill('bounced');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.locator('.result-count').innerText()).toContain('1 member matches');
      await page.screenshot({ path: '/tmp/lk-e2e-search.png', fullPage: true });
      await page.getByRole('link', { name: 'rosa.bounced@mail.example' }).click();

      // Its bounce timeline and raw bounce.
      await expect.poll(() => page.locator('.badge').first().innerText()).toContain('Disabled by bounces');
      expect(await page.locator('.badge').first().innerText()).toContain('20 days left');
      const timeline = page.locator('table.timeline');
      expect(await timeline.innerText()).toContain('user_unknown');
      expect(await timeline.innerText()).toContain('550 5.1.1 Recipient address rejected');
      await page.screenshot({ path: '/tmp/lk-e2e-member.png', fullPage: true });
      await page.getByRole('link', { name: 'Raw bounce' }).click();
      await expect.poll(() => page.locator('pre.raw').innerText()).toContain('Recipient address rejected: User unknown');
      expect(await page.locator('pre.raw').innerText()).toContain('From: Mail Delivery System');
      await page.goBack();

      // Re-enable, confirmed.
      await page.getByRole('link', { name: 'Re-enable delivery…' }).click();
      await expect.poll(() => page.locator('h1').innerText()).toBe('Re-enable delivery');
      await page.getByRole('button', { name: 'Yes, Re-enable delivery' }).click();
      await expect.poll(() => page.locator('.flash').innerText()).toContain('Delivery is re-enabled');
      expect(await page.locator('.badge').first().innerText()).toBe('Enabled');
      await page.screenshot({ path: '/tmp/lk-e2e-reenabled.png', fullPage: true });
    });
    const m = await ctx.db.selectFrom('members').selectAll().where('address', '=', 'rosa.bounced@mail.example').executeTakeFirstOrThrow();
    expect(m.status).toBe('enabled');
    expect(Number(m.score)).toBe(0);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'actor_label']).where('member_id', '=', m.id).execute();
    expect(audit).toEqual([{ action: 'member.reenabled', actor_label: 'owner@example.test' }]);
  });

  it('the import page runs its script under the staff pages\' content security policy', async () => {
    await withPage(browser, async (page) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill('owner@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin`);
      const res = await page.goto(`${base}/admin/lists/${listId}/import`);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.getByLabel('CSV file').setInputFiles({ name: 'csp.csv', mimeType: 'text/csv', buffer: Buffer.from('csp.one@seeds.example\n') });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.locator('#import-result').waitFor({ timeout: 20_000 });
      expect(await page.locator('#import-result').innerText()).toContain('1 member added, 0 rows refused');
      expect(errors).toEqual([]);
    });
  });

  it('imports without JavaScript too: the status page refreshes itself until the report', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill('owner@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin`);
      await page.goto(`${base}/admin/lists/${listId}/import`);
      await page.getByLabel('CSV file').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from('new.one@seeds.example\nbad row\n') });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.locator('#import-result').waitFor({ timeout: 20_000 });
      expect(await page.locator('#import-result').innerText()).toContain('1 member added, 1 row refused');
    } finally {
      await context.close();
    }
  });
});
