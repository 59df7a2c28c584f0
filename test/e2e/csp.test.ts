// Every kind of page under the Content-Security-Policy every answer carries, in Chromium: no violation
// reported (the securitypolicyviolation event and the console), and the pages whose scripts matter still do
// their work: the import progress (upload by script, status polled) and a post's live progress.
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { linkUrl } from '../../src/links/index.js';
import { createPost, startPost } from '../../src/sending/posts.js';
import { launchBrowser, withPage } from '../helpers/browser.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createStaffUser, TEST_PASSWORD } from '../integration/http/staff-session.js';

let ctx: TestContext;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let listId: number;
let memberId: number;
let postId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  listId = (await ctx.db.insertInto('lists').values({ name: 'csp', display_name: 'CSP Club', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow()).id;
  memberId = (await ctx.db.insertInto('members').values({ list_id: listId, address: 'reader@example.org', status: 'disabled_by_bounce', score: 5 }).returning('id').executeTakeFirstOrThrow()).id;
  await ctx.db.insertInto('members').values(Array.from({ length: 20 }, (_, i) => ({ list_id: listId, address: `m${i}@example.org` }))).execute();
  const admin = await createStaffUser(ctx.db, 'site@example.test', 'site_admin');
  const actor = { type: 'staff' as const, id: admin, label: 'site@example.test' };
  const post = await createPost(ctx.db, actor, { listId, subject: 'Under CSP', text: 'Hello {{unsubscribeUrl}}', html: null }, ctx.clock);
  if (!post.ok) throw new Error(post.error);
  postId = post.postId;
  // Started and no sender running: the page stays "sending" and its script keeps polling the progress.
  const started = await startPost(ctx.db, actor, postId, ctx.clock);
  if (!started.ok) throw new Error(`start: ${started.error}`);
  app = await buildApp(ctx);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

/** Collects every CSP violation a page reports, by event (with the blocked URI) and on the console. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('__cspViolation', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    const g = globalThis as unknown as {
      document: { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string; documentURI: string }) => void): void };
      __cspViolation(v: string): void;
    };
    g.document.addEventListener('securitypolicyviolation', (e) => g.__cspViolation(`${e.violatedDirective} ${e.blockedURI} on ${e.documentURI}`));
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  return seen;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill('site@example.test');
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/admin`);
}

describe('pages under the content security policy', () => {
  it('reports a violation when there is one (the watcher works)', async () => {
    await withPage(browser, async (page) => {
      const violations = await watchViolations(page);
      await page.goto(`${base}/subscribe/csp`);
      await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { appendChild(n: unknown): void } } }).document;
        const s = doc.createElement('script');
        s.textContent = 'void 0';
        doc.body.appendChild(s);
      });
      await expect.poll(() => violations.length).toBeGreaterThan(0);
      expect(violations.join('\n')).toMatch(/script-src/);
    });
  });

  it('public pages: the subscribe form, its answer, the manage form and the signed-link pages', async () => {
    await withPage(browser, async (page) => {
      const violations = await watchViolations(page);
      const res = await page.goto(`${base}/subscribe/csp`);
      expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res?.headers()['x-frame-options']).toBe('DENY');
      await page.getByLabel('Your email address').fill('new.reader@example.org');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.getByText('Check your inbox').first().waitFor();
      await page.goto(`${base}/subscriptions`);
      await page.goto(`${base}${new URL(linkUrl(ctx.config, 'reenable', memberId, listId, ctx.clock.today())).pathname}`);
      await page.getByRole('button', { name: 'Re-enable my delivery' }).click();
      await page.getByText('Delivery re-enabled').first().waitFor();
      await page.goto(`${base}${new URL(linkUrl(ctx.config, 'manage', memberId, listId, ctx.clock.today())).pathname}`);
      await page.goto(`${base}/s/confirm/garbage`);
      await page.goto(`${base}/no/such/page`);
      expect(violations).toEqual([]);
    });
  });

  it('staff pages, with the import progress and a post\'s live progress doing their work', async () => {
    await withPage(browser, async (page) => {
      const violations = await watchViolations(page);
      await signIn(page);
      for (const path of [
        '/admin',
        `/admin/lists/${listId}`,
        `/admin/lists/${listId}?q=m1`,
        `/admin/lists/${listId}/members/${memberId}`,
        `/admin/lists/${listId}/members/${memberId}/confirm/reset_score`,
        `/admin/lists/${listId}/edit`,
        `/admin/lists/${listId}/members/new`,
        '/admin/lists/new',
        '/admin/staff',
        '/admin/mail/unrecognised',
        '/admin/mail/mailboxes',
        '/admin/mail/outbox',
        '/desk',
        `/desk/lists/${listId}`,
        '/desk/audit',
        '/account/password',
        `/admin/lists/${listId}/posts`,
        `/admin/lists/${listId}/posts/new`,
      ]) {
        const res = await page.goto(`${base}${path}`);
        expect(res?.status(), path).toBe(200);
        expect(res?.headers()['content-security-policy'], path).toContain("script-src 'self'");
      }
      // The desk's preview (a form post answered with a page).
      await page.goto(`${base}/desk/lists/${listId}`);
      await page.getByRole('button', { name: /Preview/ }).click();
      await page.getByText(/would be disabled/).first().waitFor();

      // Import with the script: upload by XHR, then the status page polls until the report.
      await page.goto(`${base}/admin/lists/${listId}/import`);
      const rows = ['email,name', ...Array.from({ length: 300 }, (_, i) => `csp${i}@seeds.example,Seed ${i}`), 'bad row'];
      await page.getByLabel('CSV file').setInputFiles({ name: 'csp.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
      const polled = page.waitForResponse((r) => /\/imports\/\d+(\/status)?$/.test(new URL(r.url()).pathname), { timeout: 20_000 });
      await page.getByRole('button', { name: 'Import' }).click();
      await polled;
      await page.locator('#import-result').waitFor({ timeout: 20_000 });
      expect(await page.locator('#import-result').innerText()).toContain('300 members added, 1 row refused');

      // The post being sent: its script marks the page and polls the JSON progress.
      const progress = page.waitForResponse((r) => r.url().endsWith(`/posts/${postId}/progress`), { timeout: 15_000 });
      await page.goto(`${base}/admin/lists/${listId}/posts/${postId}`);
      expect((await progress).status()).toBe(200);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { classList: { contains(c: string): boolean } } } }).document.documentElement.classList.contains('js'))).toBe(true);
      expect(violations).toEqual([]);
    });
  }, 90_000);
});
