// What every answer carries (security headers) and what every failure looks like: an HTML page for people,
// JSON for /api and scripts, and never an internal message (SQL errors, stacks) in the body — those go to the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isStaffPath } from '../paths.js';

/**
 * Our own scripts and styles only (templates/static), never framed. The pages have no inline script or style
 * and no style attributes; keep it so (test/e2e/csp.test.ts watches the pages with JavaScript).
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in again',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported content',
  429: 'Too many attempts',
  500: 'Something went wrong',
  503: 'Unavailable',
};

const MESSAGES: Record<number, string> = {
  400: 'Something in this request is not valid. Go back, check what you entered and try again.',
  404: 'There is nothing at this address.',
  413: 'What you sent is too large.',
  415: 'This kind of content is not accepted here.',
  429: 'Too many requests. Wait a few minutes and try again.',
  500: 'Something went wrong on our side; it has been logged. Try again in a moment.',
  503: 'The service is not available right now. Try again in a moment.',
};

/** An error whose message is written for the person who sees it (rate limits, our own refusals). */
export function publicError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode, expose: true });
}

/** Answers in JSON to the API and to scripts that ask for JSON only; pages otherwise. */
export function wantsJson(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/')) return true;
  const accept = String(req.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * The router's own refusals (a URL that does not decode, a path segment over maxParamLength) come before any
 * hook or view: a small page of their own, with the same headers, instead of Fastify's JSON naming the URL.
 */
export function frameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const code = err.statusCode === 414 ? 414 : 400;
  req.log.info({ code: err.code, statusCode: code }, 'request refused by the router');
  reply.code(code).headers(SECURITY_HEADERS);
  if (wantsJson(req)) {
    reply.type('application/json; charset=utf-8').send({ error: 'This address is not valid.' });
    return;
  }
  const title = code === 414 ? 'Address too long' : 'Bad request';
  reply
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Listkeeper</title>` +
        `<link rel="stylesheet" href="/static/app.css"></head><body><main id="main"><section class="card narrow">` +
        `<h1>${title}</h1><p class="error" role="alert">This address is not valid. Check the link and try again.</p>` +
        `</section></main></body></html>`,
    );
}

export async function sendError(req: FastifyRequest, reply: FastifyReply, code: number, message?: string): Promise<FastifyReply> {
  const text = message ?? MESSAGES[code] ?? MESSAGES[code >= 500 ? 500 : 400];
  reply.code(code);
  if (wantsJson(req)) return reply.type('application/json; charset=utf-8').send({ error: text });
  const back = isStaffPath(req.url) ? { href: '/admin', label: 'Back to your lists' } : null;
  return reply.view('pages/admin/error.hbs', { title: TITLES[code] ?? 'Error', code, message: text, back });
}

export default async function errorPages(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  // A route with attachValidation shows a bad form back itself; a bad path param never reaches any handler.
  app.addHook('preHandler', async (req) => {
    if (req.validationError && (req.validationError as FastifyError).validationContext === 'params') throw req.validationError;
  });

  app.setNotFoundHandler(async (req, reply) => sendError(req, reply, 404));

  app.setErrorHandler(async (err: FastifyError & { expose?: boolean }, req, reply) => {
    const given = typeof err.statusCode === 'number' ? err.statusCode : 500;
    const code = given >= 400 && given < 600 ? given : 500;
    if (code >= 500) {
      req.log.error({ err }, 'request failed');
    } else {
      req.log.info({ code: err.code, statusCode: code, validation: err.validationContext }, 'request refused');
    }
    const message = err.expose === true && code < 500 ? err.message : undefined;
    if (reply.sent || reply.raw.headersSent) return reply;
    try {
      return await sendError(req, reply, code, message);
    } catch (viewErr) {
      // The error page itself failed (a template bug): plain text, still without the cause.
      req.log.error({ err: viewErr }, 'error page failed');
      return reply.code(code).type('text/plain; charset=utf-8').send(message ?? MESSAGES[code] ?? MESSAGES[500]);
    }
  });
}

// Not encapsulated: the hook and handlers apply to the whole app.
(errorPages as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
