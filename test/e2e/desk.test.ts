// The service desk in a real browser: sign in, change a list's threshold, see the refusal of a bad value,
// the preview, the saved value and the audit entry.
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { launchBrowser, withPage } from '../helpers/browser.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createStaff, PASSWORD } from '../integration/desk/staff.js';

let ctx: TestContext;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let alpha: number;

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildApp(ctx);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  alpha = (await ctx.db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha' }).returning('id').executeTakeFirstOrThrow()).id;
  await ctx.db.insertInto('lists').values({ name: 'beta', display_name: 'Beta' }).execute();
  await ctx.db
    .insertInto('members')
    .values([2, 3, 4, 6].map((score, i) => ({ list_id: alpha, address: `m${i}@example.org`, score, last_bounce_date: '2025-12-31' })))
    .execute();
  await createStaff(ctx.db, 'desk@example.org', 'service_desk');
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

it('the service desk changes a threshold after seeing the preview, and finds the change in the audit log', async () => {
  await withPage(browser, async (page) => {
    await page.goto(`${base}/desk`);
    // Not signed in: sent to the sign-in page, then back.
    await page.getByLabel('Email').fill('desk@example.org');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/desk`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Service desk');
    expect(await page.locator('#list-alpha td').first().textContent()).toBe('5');

    await page.getByRole('link', { name: 'Edit alpha' }).click();
    await page.waitForURL(`${base}/desk/lists/${alpha}`);
    // Save is offered only after a preview.
    expect(await page.getByRole('button', { name: 'Save these settings' }).count()).toBe(0);

    await page.getByLabel('Threshold').fill('0');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Threshold must be greater than 0.').first().waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Nothing was saved');

    await page.getByLabel('Threshold').fill('3');
    await page.getByRole('button', { name: 'Preview' }).click();
    const result = page.locator('.preview-result');
    await result.waitFor();
    expect((await result.textContent())?.replace(/\s+/g, ' ').trim()).toBe('3 members would be disabled at the next run.');
    expect(await page.locator('#preview').textContent()).toContain('With the current settings: 1.');
    await page.screenshot({ path: `${ctx.config.dataDir}/desk-preview.png`, fullPage: true });

    await page.getByRole('button', { name: 'Save these settings' }).click();
    await page.waitForURL(`${base}/desk?saved=alpha`);
    expect(await page.getByRole('status').textContent()).toContain('Settings of alpha saved.');
    expect(await page.locator('#list-alpha td').first().textContent()).toBe('3');

    await page.getByRole('link', { name: 'Audit log of every change' }).click();
    await page.getByLabel('List').selectOption({ label: 'alpha' });
    await page.getByLabel('Action').selectOption('list.settings_updated');
    await page.getByLabel('Actor').fill('desk@');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/desk\/audit\?/);
    const rows = page.locator('tr.audit-row');
    expect(await rows.count()).toBe(1);
    const row = (await rows.first().textContent())!.replace(/\s+/g, ' ');
    expect(row).toContain('desk@example.org');
    expect(row).toContain('list.settings_updated');
    expect(row).toContain('Threshold: 5 → 3');
  });
  expect(Number((await ctx.db.selectFrom('lists').select('threshold').where('id', '=', alpha).executeTakeFirstOrThrow()).threshold)).toBe(3);
}, 90_000);
