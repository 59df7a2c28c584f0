import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { launchBrowser, withPage } from '../../helpers/browser.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return address;
}

describe('Chromium (headless, via playwright-core)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('loads a page from a local server and submits a form', async () => {
    const app = Fastify();
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .send('<form method="get" action="/hello"><input name="who"><button>Go</button></form>'),
    );
    app.get<{ Querystring: { who?: string } }>('/hello', async (req, reply) =>
      reply.type('text/html').send(`<p id="out">Hello ${(req.query.who ?? '').replace(/[<>&]/g, '')}</p>`),
    );
    const base = await listen(app);
    try {
      const text = await withPage(browser, async (page) => {
        await page.goto(base);
        await page.fill('input[name=who]', 'Chromium');
        await page.click('button');
        return page.textContent('#out');
      });
      expect(text).toBe('Hello Chromium');
    } finally {
      await app.close();
    }
  });

  test("loads the app's login page", async () => {
    const ctx: TestContext = await createTestContext();
    const app = await buildApp(ctx);
    const base = await listen(app);
    try {
      const { status, passwordFields } = await withPage(browser, async (page) => {
        const res = await page.goto(`${base}/login`);
        return { status: res?.status(), passwordFields: await page.locator('input[type=password]').count() };
      });
      expect(status).toBe(200);
      expect(passwordFields).toBe(1);
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});
