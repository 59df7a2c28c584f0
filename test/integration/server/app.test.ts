import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('the web server on real PostgreSQL', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('answers /healthz and reports the database on /readyz', async () => {
    const app = await buildApp(ctx);
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', database: { engine: 'postgres', reachable: true } });
    await app.close();
  });

  it('reports 503 on /readyz when the database is unreachable', async () => {
    const other = await createTestContext();
    const app = await buildApp(other);
    await other.database.drop();
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', database: { reachable: false } });
    await app.close();
  });

  it('serves the login page through the layout, escaping by default', async () => {
    const app = await buildApp(ctx);
    const res = await app.inject('/login');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>Sign in · Listkeeper</title>');
    expect(res.body).toContain('name="password"');
    const css = await app.inject('/static/app.css');
    expect(css.statusCode).toBe(200);
    await app.close();
  });
});
