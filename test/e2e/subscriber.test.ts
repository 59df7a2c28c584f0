// A subscriber in a real browser, with links read out of the mail the real sender wrote to the file outbox
// (embedded mode): unsubscribe via the post's link, resubscribe through the form, confirm from the confirm mail;
// later, after bounces and the job disabled delivery, re-enable from the "disabled" notice.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../../src/audit.js';
import { buildApp } from '../../src/http/app.js';
import { runBounceJob } from '../../src/jobs/bounce-job.js';
import { recordBounceEvents } from '../../src/members/scoring.js';
import { createPost, startPost } from '../../src/sending/posts.js';
import { outboxDir } from '../../src/sending/transport.js';
import { Sender } from '../../src/sending/worker.js';
import { launchBrowser, withPage } from '../helpers/browser.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

const ADDRESS = 'sub@example.org';
let ctx: TestContext;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let listId: number;
let memberId: number;
const seen = new Set<string>();

/** Sends whatever is queued, then returns the new outbox messages to `to` as parsed mail. */
async function deliverAndRead(to: string): Promise<{ subject: string; text: string }[]> {
  const sender = new Sender(ctx, { idleMs: 20 });
  await sender.drain();
  await sender.stop();
  const dir = outboxDir(ctx.config.dataDir);
  const out = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.eml') && !n.startsWith('.')).sort()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const mail = await simpleParser(readFileSync(path.join(dir, name)));
    // The file transport records the envelope recipient as Delivered-To (mailparser reads it as an address).
    const delivered = mail.headers.get('delivered-to') as { text?: string } | string | undefined;
    const rcpt = typeof delivered === 'string' ? delivered : delivered?.text ?? '';
    if (rcpt.toLowerCase() !== to) continue;
    out.push({ subject: mail.subject ?? '', text: mail.text ?? '' });
  }
  return out;
}

/** The link of `kind` in a message, pointed at the server under test (BASE_URL is a placeholder in tests). */
function linkIn(text: string, kind: 'unsubscribe' | 'confirm' | 'reenable'): string {
  const m = new RegExp(`https?://\\S+?/s/${kind}/[A-Za-z0-9._-]+`).exec(text);
  if (!m) throw new Error(`no ${kind} link in:\n${text}`);
  return base + new URL(m[0]).pathname;
}

async function status(): Promise<{ status: string; score: number }> {
  return ctx.db.selectFrom('members').select(['status', 'score']).where('id', '=', memberId).executeTakeFirstOrThrow();
}

async function follow(page: Page, url: string, button: string, expectHeading: string): Promise<void> {
  await page.goto(url);
  // A GET changes nothing (link scanners): the page asks first.
  await page.getByRole('button', { name: button }).click();
  await page.getByRole('heading', { name: expectHeading }).waitFor();
}

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext({ start: '2026-03-02T09:00:00Z' });
  app = await buildApp(ctx);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  listId = (await ctx.db.insertInto('lists').values({ name: 'news', display_name: 'The News' }).returning('id').executeTakeFirstOrThrow()).id;
  memberId = (await ctx.db.insertInto('members').values({ list_id: listId, address: ADDRESS }).returning('id').executeTakeFirstOrThrow()).id;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await ctx?.close();
});

it('unsubscribes via the link in a post, resubscribes with the form and confirms from the confirm mail', async () => {
  const post = await createPost(ctx.db, SYSTEM, { listId, subject: 'March news', text: 'Hello {{address}}', html: null }, ctx.clock);
  if (!post.ok) throw new Error(post.error);
  await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
  const [news] = await deliverAndRead(ADDRESS);
  expect(news.subject).toBe('March news');

  await withPage(browser, async (page) => {
    const unsubscribe = linkIn(news.text, 'unsubscribe');
    await page.goto(unsubscribe);
    expect((await status()).status).toBe('enabled');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'Unsubscribed' }).waitFor();
    expect((await status()).status).toBe('unsubscribed');

    // A forged link (another member id, same signature) is refused.
    await page.goto(unsubscribe.replace(`.${memberId}.`, `.${memberId + 1}.`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Link not valid');

    await page.goto(`${base}/subscribe/news`);
    await page.getByLabel('Your email address').fill(ADDRESS);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    expect(await page.locator('#result').textContent()).toContain('If this address can join');
    expect((await status()).status).toBe('unsubscribed');

    const mails = await deliverAndRead(ADDRESS);
    const confirm = mails.find((m) => m.subject.startsWith('Confirm your subscription'));
    expect(confirm, JSON.stringify(mails.map((m) => m.subject))).toBeTruthy();
    await follow(page, linkIn(confirm!.text, 'confirm'), 'Confirm my subscription', 'Subscription confirmed');
    expect(await status()).toEqual({ status: 'enabled', score: 0 });
  });
  const actions = await ctx.db.selectFrom('audit_log').select('action').where('member_id', '=', memberId).orderBy('id').execute();
  expect(actions.map((a) => a.action)).toEqual(['member.unsubscribed', 'member.resubscribed']);
}, 90_000);

it('re-enables delivery from the notice sent when bounces disabled it', async () => {
  // Five hard bounces on five days reach the default threshold; the job disables and mails the member.
  for (let day = 0; day < 5; day++) {
    ctx.clock.advanceDays(1);
    await recordBounceEvents(
      ctx.db,
      [{ listId, memberId, address: ADDRESS, kind: 'bounce', category: 'hard', reason: 'user_unknown', status: '5.1.1', diagnostic: '550 5.1.1 unknown', remoteMta: 'mx.example.org', source: 'imap' }],
      ctx.clock.today(),
    );
  }
  expect((await status()).score).toBe(5);
  await runBounceJob(ctx);
  expect((await status()).status).toBe('disabled_by_bounce');
  const disabled = (await deliverAndRead(ADDRESS)).find((m) => /paused/i.test(m.subject));
  expect(disabled).toBeTruthy();

  await withPage(browser, async (page) => {
    await follow(page, linkIn(disabled!.text, 'reenable'), 'Re-enable my delivery', 'Delivery re-enabled');
  });
  expect(await status()).toEqual({ status: 'enabled', score: 0 });
}, 90_000);
