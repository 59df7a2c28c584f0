// Public pages for people without an account: subscribe to a list (double opt-in) and ask for the
// "manage my subscriptions" link. The answer never says whether the address is already subscribed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requestManageLink, requestSubscription } from '../../../members/subscribe-requests.js';
import { publicError } from '../../plugins/errors.js';
import { addressText, csrfField, fields, text } from '../../schemas.js';

const LIST_NAME = '^[a-z0-9][a-z0-9._-]{0,62}$';

/** Per client address; the per-address resend window in the service keeps a victim's inbox quiet too. */
const FORM_RATE_LIMIT = {
  max: 10,
  timeWindow: '10 minutes',
  keyGenerator: (req: FastifyRequest) => `subscribe|${req.ip}`,
  errorResponseBuilder: () => publicError(429, 'Too many requests from your address. Wait a few minutes and try again.'),
};

const EXPIRED = 'This form expired or was not sent from this site. Please try again.';
const BAD_ADDRESS = 'Enter a valid email address, like name@example.org.';

/** A double-submit token bound to a short-lived cookie, as on the sign-in form: another site cannot post these forms. */
const FORM_COOKIE = 'lk_form';

const subscribeRoutes: FastifyPluginAsync = async (app) => {
  const ctx = app.ctx;
  const secure = ctx.config.baseUrl.startsWith('https:');
  const sign = (nonce: string) => createHmac('sha256', ctx.config.secretKey).update(`public-form:${nonce}`).digest('base64url');

  function formToken(req: FastifyRequest, reply: FastifyReply): string {
    let nonce = req.cookies?.[FORM_COOKIE];
    if (!nonce || nonce.length < 16 || nonce.length > 64) {
      nonce = randomBytes(16).toString('base64url');
      reply.setCookie(FORM_COOKIE, nonce, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 86_400 });
    }
    return sign(nonce);
  }

  function tokenOk(req: FastifyRequest): boolean {
    const nonce = req.cookies?.[FORM_COOKIE];
    const given = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!nonce || typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(sign(nonce));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async function findList(name: string) {
    return ctx.db.selectFrom('lists').select(['id', 'name', 'display_name', 'description']).where('name', '=', name).executeTakeFirst();
  }

  // The rate limit's refusal as a page, not Fastify's JSON error (people meet it in a browser). Scoped to this plugin.
  // Anything else goes on to the app's error page (plugins/errors.ts), which never shows internal messages.
  app.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
    if (err.statusCode === 429) {
      return reply.code(429).view('pages/public/subscribe-limited.hbs', { title: 'Too many requests', message: err.message });
    }
    throw err;
  });

  const params = { type: 'object', required: ['listName'], properties: { listName: { type: 'string', pattern: LIST_NAME } } } as const;
  // Too long or holding a NUL: the form comes back with the address error (a browser never sends such values).
  const subscribeBody = fields({ email: addressText(1000), name: text(1000), website: text(1000), _csrf: csrfField });
  const manageBody = fields({ email: addressText(1000), website: text(1000), _csrf: csrfField });

  app.get('/subscribe/:listName', { schema: { params } }, async (req, reply) => {
    const list = await findList((req.params as { listName: string }).listName);
    if (!list) return reply.code(404).view('pages/public/subscribe-missing.hbs', { title: 'No such list' });
    return reply.view('pages/public/subscribe.hbs', { title: `Subscribe to ${list.display_name}`, list, csrfToken: formToken(req, reply) });
  });

  app.post(
    '/subscribe/:listName',
    {
      schema: { params, body: subscribeBody },
      attachValidation: true,
      config: { rateLimit: FORM_RATE_LIMIT },
    },
    async (req, reply) => {
      const list = await findList((req.params as { listName: string }).listName);
      if (!list) return reply.code(404).view('pages/public/subscribe-missing.hbs', { title: 'No such list' });
      const body = (req.validationError ? {} : (req.body ?? {})) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
      const name = typeof body.name === 'string' ? body.name.trim().slice(0, 200) : '';
      const again = (code: number, error: string) =>
        reply.code(code).view('pages/public/subscribe.hbs', {
          title: `Subscribe to ${list.display_name}`,
          list,
          email,
          name,
          csrfToken: formToken(req, reply),
          error,
        });
      if (!tokenOk(req)) return again(403, EXPIRED);
      if (req.validationError) return again(400, BAD_ADDRESS);
      // A honeypot field real people never see; bots filling it get the normal answer and no mail.
      if (typeof body.website === 'string' && body.website !== '') {
        return reply.view('pages/public/subscribe-sent.hbs', { title: 'Check your inbox', list });
      }
      const result = await requestSubscription(ctx, list.name, email, name);
      if (!result.ok) return again(400, BAD_ADDRESS);
      req.log.info({ list: list.name, member: result.memberId, mailed: result.mailed }, 'subscription requested');
      return reply.view('pages/public/subscribe-sent.hbs', { title: 'Check your inbox', list });
    },
  );

  app.get('/subscriptions', async (req, reply) =>
    reply.view('pages/public/subscribe-manage.hbs', { title: 'Manage my subscriptions', csrfToken: formToken(req, reply) }),
  );

  app.post('/subscriptions', { schema: { body: manageBody }, attachValidation: true, config: { rateLimit: FORM_RATE_LIMIT } }, async (req, reply) => {
    const body = (req.validationError ? {} : (req.body ?? {})) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
    const again = (code: number, error: string) =>
      reply.code(code).view('pages/public/subscribe-manage.hbs', {
        title: 'Manage my subscriptions',
        email,
        csrfToken: formToken(req, reply),
        error,
      });
    if (!tokenOk(req)) return again(403, EXPIRED);
    if (req.validationError) return again(400, BAD_ADDRESS);
    if (typeof body.website === 'string' && body.website !== '') {
      return reply.view('pages/public/subscribe-manage.hbs', { title: 'Check your inbox', sent: true });
    }
    const result = await requestManageLink(ctx, email);
    if (!result.ok) return again(400, BAD_ADDRESS);
    return reply.view('pages/public/subscribe-manage.hbs', { title: 'Check your inbox', sent: true });
  });
};

export default subscribeRoutes;
