// A list admin in a real browser composes a post, sends it and watches the progress update itself
// (JS polling the JSON endpoint, no reload) while the real sender delivers to the SMTP sink.
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { Sender } from '../../src/sending/worker.js';
import { launchBrowser, withPage } from '../helpers/browser.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { sinkUrl } from '../helpers/mail.js';
import { createStaff, PASSWORD } from '../integration/desk/staff.js';

let ctx: TestContext;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let listId: number;

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext({ env: { SMTP_URL: sinkUrl() } });
  app = await buildApp(ctx);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  listId = (await ctx.db.insertInto('lists').values({ name: 'team', display_name: 'Team' }).returning('id').executeTakeFirstOrThrow()).id;
  const members = Array.from({ length: 38 }, (_, i) => ({ list_id: listId, address: `p${i}@ok.example.test` }));
  members.push({ list_id: listId, address: 'gone@reject.example.test' }, { list_id: listId, address: 'lost@reject.example.test' });
  await ctx.db.insertInto('members').values(members).execute();
  await createStaff(ctx.db, 'owner@example.org', 'list_admin', [listId]);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

it('a list admin sends a post and sees the progress move without reloading, then the failures in red', async () => {
  await withPage(browser, async (page) => {
    await page.goto(`${base}/admin/lists/${listId}/posts/new`);
    await page.getByLabel('Email').fill('owner@example.org');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin/lists/${listId}/posts/new`);

    await page.getByLabel('Subject').fill('Team update');
    await page.getByLabel(/^Text/).fill('Hello {{address}}, here is the news.');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('button', { name: 'Send to 40 enabled members' }).click();
    await page.getByText('Sending has started.').waitFor();

    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    // 10 messages a second: the post takes about four seconds, the page polls every 1.5 s.
    const sender = new Sender(ctx, { ratePerSecond: 10, batchSize: 5, lanes: 1, idleMs: 50 });
    sender.start();
    try {
      // (globalThis casts: the test files are type-checked without the DOM library; a string would need eval, which the CSP forbids)
      await page.waitForFunction(
        () => {
          const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
          const n = Number(doc.querySelector('[data-field="settled"]')?.textContent?.replace(/,/g, ''));
          return n > 0 && n < 40;
        },
        undefined,
        { timeout: 15_000 },
      );
      expect(navigations).toBe(0);
      // When the post is finished, the page reloads once to show the final state.
      await page.locator('[data-field="status"]', { hasText: 'sent' }).waitFor({ timeout: 20_000 });
    } finally {
      await sender.stop();
    }
    expect(await page.locator('[data-field="settled"]').textContent()).toBe('40');
    expect(await page.locator('[data-field="failures"]').textContent()).toBe('2');

    await page.getByRole('link', { name: 'failures' }).click();
    const failed = page.locator('tr.failed');
    expect(await failed.count()).toBe(2);
    const color = await failed.first().locator('td').first().evaluate(
      (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
    );
    expect(color).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: `${ctx.config.dataDir}/post-results.png`, fullPage: true });
  });
}, 90_000);
