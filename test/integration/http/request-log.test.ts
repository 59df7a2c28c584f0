// Signed links are credentials: the request log keeps their shape, never the token (the log is read by more
// people, and kept longer, than the mail the link was sent in).
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { linkToken, type LinkAction } from '../../../src/links/index.js';
import { createLogger } from '../../../src/logger.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

let ctx: TestContext;
let app: FastifyInstance;
let log = '';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext();
  const listId = (await ctx.db.insertInto('lists').values({ name: 'logged', display_name: 'Logged' }).returning('id').executeTakeFirstOrThrow()).id;
  const memberId = (await ctx.db.insertInto('members').values({ list_id: listId, address: 'reader@example.org', status: 'pending' }).returning('id').executeTakeFirstOrThrow()).id;
  const sink = new Writable({
    write(chunk, _enc, done) {
      log += String(chunk);
      done();
    },
  });
  app = await buildApp({ ...ctx, logger: createLogger('info', 'request-log-test', sink) });
  await app.ready();
  for (const action of ['unsubscribe', 'reenable', 'confirm', 'manage'] as LinkAction[]) {
    tokens[action] = linkToken(ctx.config.secretKey, action, memberId, listId, ctx.clock.today(), action === 'confirm' ? 12345 : undefined);
  }
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('request log', () => {
  it('never holds a signed link token, whatever the request', async () => {
    const secret = 'query-token-0123456789-secret';
    const requests: { method: 'GET' | 'POST'; url: string }[] = [];
    for (const [action, token] of Object.entries(tokens)) {
      requests.push({ method: 'GET', url: `/s/${action}/${token}` });
      if (action !== 'manage') requests.push({ method: 'POST', url: `/s/${action}/${token}` });
      requests.push({ method: 'GET', url: `/s/${action}/${token}/more` }); // 404
      requests.push({ method: 'GET', url: `/s/${action}/${token}?token=${secret}` });
      requests.push({ method: 'GET', url: `/%73/${action}/${token}` }); // the router decodes the path
      requests.push({ method: 'GET', url: `/s/${action}/${'x'.repeat(300)}${token}` }); // refused by the schema
    }
    requests.push({ method: 'GET', url: `/admin?token=${secret}` });
    requests.push({ method: 'GET', url: `/login?next=%2Fadmin&TOKEN=${secret}` });
    for (const r of requests) {
      const res = await app.inject(r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBeLessThan(500);
    }
    // The requests were logged, in their redacted form.
    expect(log).toContain('"url":"/s/confirm/[redacted]"');
    expect(log).toContain('"url":"/s/manage/[redacted]?token=[redacted]"');
    expect(log).toContain('"url":"/admin?token=[redacted]"');
    for (const token of Object.values(tokens)) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.').pop()!); // the signature alone
    }
    expect(log).not.toContain(secret);
  });
});
