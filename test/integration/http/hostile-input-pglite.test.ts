// No 500 and no internal message for any input, on every route, on the embedded PGlite (hostile-input.ts), as `npm start` runs.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { expectNoInternalErrors, setUp, type Fixture } from './hostile-input.js';

let ctx: TestContext;
let f: Fixture;

beforeAll(async () => {
  ctx = await createTestContext({ engine: 'pglite' });
  f = await setUp(ctx);
});
afterAll(async () => {
  await f?.app.close();
  await ctx?.close();
});

describe('hostile input on PGlite', () => {
  it('every route answers every hostile value without a 5xx or an internal message', async () => {
    const t0 = Date.now();
    const report = await expectNoInternalErrors(f);
    console.log(`hostile input (pglite): ${report.requests} requests to ${report.routes} routes in ${Date.now() - t0} ms; slowest: ${report.slowest.join(', ')}`);
  }, 600_000);
});
