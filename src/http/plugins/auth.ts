// Staff sign-in, sessions, roles and CSRF for every staff page.
//
// ─── API for route modules ────────────────────────────────────────────────────────────────────────
// Declare who may use a route in its `config.access`; the plugin turns that into preValidation hooks:
//
//   app.get('/admin/lists/:listId', { config: { access: { roles: ALL_STAFF, list: 'listId' } } }, handler);
//   app.post('/desk/lists/:listId/settings', { config: { access: { roles: ['site_admin', 'service_desk'] } } }, h);
//
//   access.roles   StaffRole[] allowed (ALL_STAFF, DESK_ROLES, ADMIN_ONLY are exported below).
//   access.list    name of the route param holding a list id: a list_admin passes only for lists in
//                  staff_list_access; site_admin / service_desk pass for every list (if their role is allowed).
//                  Routes that take a member id must ALSO check the member belongs to that list (the
//                  services in src/members/directory.ts take (listId, memberId) for that reason).
//   access.passwordChange  true only for the routes a user with must_change_password may still use.
//
// Every route whose URL starts with /admin, /desk or /account MUST declare `config.access`, else the app
// refuses to start (so new routes are never left open). The same checks as preHandlers, for hand use:
//   app.requireStaff                       signed in (else 303 to /login?next=…), active, CSRF on unsafe methods
//   app.requireRole('site_admin', …)       403 for other roles (use after requireStaff)
//   app.requireListAccess('listId')        403 for a list_admin on somebody else's list, 404 for a bad id
//   app.staffRoutes                        [{ method, url, access }] of every guarded route (for the role tests)
//
// After those run:
//   request.staff   { id, email, name, role, allLists, listIds, mustChangePassword, sessionId }
//                   allLists is true for site_admin and service_desk; listIds are the list_admin's lists.
//   canAccessList(request.staff, listId)   the same rule as access.list, for queries/filters.
//   staffActor(request.staff)              the Actor for audit() and the member operations.
//   reply.locals.user, reply.locals.csrfToken   merged into every reply.view() context, so templates use
//                   {{user.email}}, {{user.role}} and <input type="hidden" name="_csrf" value="{{csrfToken}}">.
//
// CSRF: every unsafe method (POST, PUT, PATCH, DELETE) of a staff route needs the session's token in the
// form field `_csrf` (urlencoded or multipart) or the header `x-csrf-token`; else 403. The token is
// HMAC(SECRET_KEY, sessions.csrf_secret), so it lives as long as the session. The login form uses a
// double-submit token bound to a short-lived `lk_login` cookie.
//
// Multipart forms (file upload) are parsed by ./multipart.ts into request.body: text fields as strings,
// files as { filename, contentType, data: Buffer }.
//
// Pages: GET/POST /login (rate-limited per client address and account, and per client address: SIGN_IN_LIMIT),
// POST /logout, GET/POST /account/password.
// Error page: templates/pages/admin/error.hbs with { title, message }; use `renderError(reply, code, msg)`.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { sql } from 'kysely';
import { audit, type Actor } from '../../audit.js';
import type { StaffRole } from '../../db/schema.js';
import { changePassword, PASSWORD_MIN_LENGTH, signIn } from '../../staff/accounts.js';
import { isStaffPath } from '../paths.js';
import { csrfField, fields, text } from '../schemas.js';
import { publicError, sendError } from './errors.js';
import registerMultipart from './multipart.js';

export { isStaffPath };

export const ALL_STAFF: readonly StaffRole[] = ['site_admin', 'service_desk', 'list_admin'];
export const DESK_ROLES: readonly StaffRole[] = ['site_admin', 'service_desk'];
export const ADMIN_ONLY: readonly StaffRole[] = ['site_admin'];
/** Roles that may send posts (service desk may not). */
export const POST_ROLES: readonly StaffRole[] = ['site_admin', 'list_admin'];

export interface Access {
  roles: readonly StaffRole[];
  list?: string;
  passwordChange?: boolean;
}

export interface StaffPrincipal {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  allLists: boolean;
  listIds: number[];
  mustChangePassword: boolean;
  sessionId: string;
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffPrincipal | null;
  }
  interface FastifyInstance {
    requireStaff: preHandlerAsyncHookHandler;
    requireRole(...roles: StaffRole[]): preHandlerAsyncHookHandler;
    requireListAccess(param?: string): preHandlerAsyncHookHandler;
    /** Every guarded route with its access rule, as registered (tests walk it to try each forbidden role). */
    staffRoutes: { method: string; url: string; access: Access }[];
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyReply {
    /** @fastify/view merges these into every view context (its typings omit it). */
    locals: Record<string, unknown> | null;
  }
}

export const SESSION_COOKIE = 'lk_session';
/** Sign-in attempts per client address and account, and per client address over all accounts. */
export const SIGN_IN_LIMIT = { perAccount: 10, perClient: 25, window: '5 minutes' } as const;
const TOO_MANY_SIGN_INS = 'Too many sign-in attempts. Wait a few minutes and try again.';
const LOGIN_COOKIE = 'lk_login';
const SESSION_HOURS = 12;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function canAccessList(staff: StaffPrincipal, listId: number): boolean {
  return staff.allLists || staff.listIds.includes(listId);
}

export function staffActor(staff: StaffPrincipal): Actor {
  return { type: 'staff', id: staff.id, label: staff.email };
}

/** The session id is stored hashed: a leaked sessions table does not give working cookies. */
function sessionKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function submittedToken(req: FastifyRequest): string {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const body = req.body as Record<string, unknown> | null | undefined;
  const field = body && typeof body === 'object' ? body._csrf : undefined;
  return typeof field === 'string' ? field : '';
}

export async function renderError(reply: FastifyReply, code: number, message: string): Promise<FastifyReply> {
  return sendError(reply.request, reply, code, message);
}

/** Only same-site relative paths, so ?next= cannot send a user elsewhere. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/admin';
}

const authPlugin: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app.ctx;
  const secure = config.baseUrl.startsWith('https:');
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await registerMultipart(app);

  app.decorateRequest('staff', null);

  async function loadSession(req: FastifyRequest): Promise<StaffPrincipal | null> {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return null;
    const key = sessionKey(token);
    const now = clock.now();
    const row = await db
      .selectFrom('sessions as s')
      .innerJoin('staff_users as u', 'u.id', 's.user_id')
      .select([
        's.id as session_id',
        's.csrf_secret',
        's.expires_at',
        'u.id',
        'u.email',
        'u.name',
        'u.role',
        'u.active',
        'u.must_change_password',
        sql<number[]>`coalesce((select array_agg(a.list_id order by a.list_id) from staff_list_access a where a.user_id = u.id), '{}')`.as(
          'list_ids',
        ),
      ])
      .where('s.id', '=', key)
      .executeTakeFirst();
    if (!row || !row.active || new Date(row.expires_at).getTime() <= now.getTime()) return null;
    // Sliding expiry, written at most once an hour per session.
    const expires = new Date(row.expires_at).getTime();
    if (expires - now.getTime() < (SESSION_HOURS - 1) * 3_600_000) {
      await db
        .updateTable('sessions')
        .set({ expires_at: new Date(now.getTime() + SESSION_HOURS * 3_600_000) })
        .where('id', '=', key)
        .execute();
    }
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      allLists: row.role !== 'list_admin',
      listIds: (row.list_ids ?? []).map(Number),
      mustChangePassword: row.must_change_password,
      sessionId: key,
      csrfToken: hmac(config.secretKey, `csrf:${row.csrf_secret}`),
    };
  }

  // Staff pages are never cached by the browser or a proxy (CSP and framing rules are every page's: errors.ts).
  const STAFF_HEADERS = { 'cache-control': 'no-store' };

  const requireStaff: preHandlerAsyncHookHandler = async function (req, reply) {
    reply.headers(STAFF_HEADERS);
    const staff = req.staff ?? (await loadSession(req));
    if (!staff) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      }
      return renderError(reply, 401, 'Please sign in again.');
    }
    req.staff = staff;
    reply.locals = { ...(reply.locals ?? {}), user: staff, csrfToken: staff.csrfToken };
    if (UNSAFE.has(req.method) && !sameToken(submittedToken(req), staff.csrfToken)) {
      req.log.warn({ url: req.url, staff: staff.id }, 'CSRF token missing or wrong');
      return renderError(reply, 403, 'This form has expired or was not sent from Listkeeper. Go back, reload the page and try again.');
    }
    const access = req.routeOptions.config.access;
    if (staff.mustChangePassword && !access?.passwordChange) {
      if (req.method === 'GET' || req.method === 'HEAD') return reply.redirect('/account/password', 303);
      return renderError(reply, 403, 'Choose a new password first.');
    }
  };

  function requireRole(...roles: StaffRole[]): preHandlerAsyncHookHandler {
    return async function (req, reply) {
      if (!req.staff || !roles.includes(req.staff.role)) {
        return renderError(reply, 403, 'Your role does not allow this page.');
      }
    };
  }

  function requireListAccess(param = 'listId'): preHandlerAsyncHookHandler {
    return async function (req, reply) {
      const raw = (req.params as Record<string, string | undefined>)[param];
      const listId = Number(raw);
      if (!raw || !Number.isSafeInteger(listId) || listId <= 0) return renderError(reply, 404, 'No such list.');
      if (!req.staff || !canAccessList(req.staff, listId)) {
        return renderError(reply, 403, 'You do not manage this list.');
      }
    };
  }

  app.decorate('requireStaff', requireStaff);
  app.decorate('requireRole', requireRole);
  app.decorate('requireListAccess', requireListAccess);
  app.decorate('staffRoutes', [] as { method: string; url: string; access: Access }[]);

  // Turn config.access into preHandlers, and refuse to start with an unguarded staff route.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) {
      if (isStaffPath(route.url)) throw new Error(`staff route ${route.method} ${route.url} declares no config.access`);
      return;
    }
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      app.staffRoutes.push({ method, url: route.url, access });
    }
    const guards: preHandlerAsyncHookHandler[] = [requireStaff, requireRole(...access.roles)];
    if (access.list) guards.push(requireListAccess(access.list));
    // preValidation: the body is parsed (CSRF) but not yet validated, so a forbidden user gets 403, never a 400
    // that would tell them about the route's schema.
    const existing = route.preValidation;
    route.preValidation = [...guards, ...(Array.isArray(existing) ? existing : existing ? [existing] : [])];
  });

  // ─── sign in / out ───────────────────────────────────────────────────────────────────────────────
  function loginToken(req: FastifyRequest, reply: FastifyReply): string {
    let nonce = req.cookies[LOGIN_COOKIE];
    if (!nonce || nonce.length < 16) {
      nonce = randomBytes(16).toString('base64url');
      reply.setCookie(LOGIN_COOKIE, nonce, { ...cookieOpts, maxAge: 3600 });
    }
    return hmac(config.secretKey, `login:${nonce}`);
  }

  // One client trying many accounts (password spraying) meets this limit; the route's own limit is per client
  // and account. Every attempt counts (counting failures only would let a burst of parallel tries through).
  const signInsFromClient = app.createRateLimit({
    max: SIGN_IN_LIMIT.perClient,
    timeWindow: SIGN_IN_LIMIT.window,
    keyGenerator: (req: FastifyRequest) => `sign-in|${req.ip}`,
  });
  async function limitSignInsPerClient(req: FastifyRequest): Promise<void> {
    const r = await signInsFromClient(req);
    if (!r.isAllowed && r.isExceeded) {
      req.log.warn({ ip: req.ip }, 'sign-in attempts limited for this client address');
      throw publicError(429, TOO_MANY_SIGN_INS);
    }
  }

  app.get('/login', async (req, reply) => {
    reply.headers(STAFF_HEADERS);
    const q = req.query as { next?: string };
    const existing = await loadSession(req);
    if (existing) return reply.redirect(safeNext(q.next), 303);
    return reply.view('pages/login.hbs', { title: 'Sign in', csrfToken: loginToken(req, reply), next: safeNext(q.next) });
  });

  app.post(
    '/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'password'],
          properties: { email: text(320), password: text(1024), next: text(2000), _csrf: csrfField },
        },
      },
      attachValidation: true,
      preHandler: limitSignInsPerClient,
      config: {
        rateLimit: {
          max: SIGN_IN_LIMIT.perAccount,
          timeWindow: SIGN_IN_LIMIT.window,
          hook: 'preHandler',
          keyGenerator: (req: FastifyRequest) =>
            `${req.ip}|${String((req.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase()}`,
          errorResponseBuilder: () => publicError(429, TOO_MANY_SIGN_INS),
        },
      },
    },
    async (req, reply) => {
      // A refused body (too long, a NUL) is not echoed back nor looked up.
      const body = (req.validationError ? { _csrf: (req.body as { _csrf?: unknown } | null)?._csrf } : (req.body ?? {})) as {
        email?: string;
        password?: string;
        next?: string;
        _csrf?: string;
      };
      const nonce = req.cookies[LOGIN_COOKIE];
      const email = String(body.email ?? '').trim().toLowerCase();
      const next = safeNext(body.next);
      const again = (code: number, error: string) =>
        reply.code(code).view('pages/login.hbs', { title: 'Sign in', csrfToken: loginToken(req, reply), error, email, next });
      if (!nonce || !sameToken(String(body._csrf ?? ''), hmac(config.secretKey, `login:${nonce}`))) {
        return again(403, 'The sign-in form expired. Please try again.');
      }
      if (req.validationError) return again(400, 'Enter your email address and password.');
      const result = await signIn(db, email, String(body.password ?? ''), clock.now());
      if (!result.ok) {
        req.log.info({ email }, 'sign-in refused');
        return again(401, 'Wrong email address or password.');
      }
      const token = randomBytes(32).toString('base64url');
      await db
        .insertInto('sessions')
        .values({
          id: sessionKey(token),
          user_id: result.user.id,
          csrf_secret: randomBytes(32).toString('base64url'),
          created_at: clock.now(),
          expires_at: new Date(clock.now().getTime() + SESSION_HOURS * 3_600_000),
        })
        .execute();
      // Housekeeping: expired sessions of this user go now.
      await db.deleteFrom('sessions').where('user_id', '=', result.user.id).where('expires_at', '<', clock.now()).execute();
      reply.setCookie(SESSION_COOKIE, token, cookieOpts);
      reply.clearCookie(LOGIN_COOKIE, { path: '/' });
      return reply.redirect(result.user.must_change_password ? '/account/password' : next, 303);
    },
  );

  app.post('/logout', async (req, reply) => {
    const staff = await loadSession(req);
    // Logout is CSRF-checked too; a forged logout is a nuisance, not a secret leak, but forms carry the token.
    if (staff && sameToken(submittedToken(req), staff.csrfToken)) {
      await db.deleteFrom('sessions').where('id', '=', staff.sessionId).execute();
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/login', 303);
    }
    if (!staff) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/login', 303);
    }
    return renderError(reply, 403, 'This form has expired. Go back, reload the page and try again.');
  });

  // ─── password change (also the forced one after first sign-in or a reset) ───────────────────────
  const pwAccess: Access = { roles: ALL_STAFF, passwordChange: true };
  app.get('/account/password', { config: { access: pwAccess } }, async (req, reply) =>
    reply.view('pages/admin/password.hbs', {
      title: 'Change password',
      forced: req.staff?.mustChangePassword,
      minLength: PASSWORD_MIN_LENGTH,
    }),
  );

  const passwordBody = fields({ current: text(1024), password: text(1024), confirm: text(1024), _csrf: csrfField });
  app.post('/account/password', { schema: { body: passwordBody }, config: { access: pwAccess } }, async (req, reply) => {
    const staff = req.staff as StaffPrincipal;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const current = typeof body.current === 'string' ? body.current : '';
    const next = typeof body.password === 'string' ? body.password : '';
    const confirm = typeof body.confirm === 'string' ? body.confirm : '';
    const result = await changePassword(db, staff.id, current, next, confirm);
    if (!result.ok) {
      return reply.code(400).view('pages/admin/password.hbs', {
        title: 'Change password',
        forced: staff.mustChangePassword,
        minLength: PASSWORD_MIN_LENGTH,
        error: result.error,
      });
    }
    await db.transaction().execute(async (trx) => {
      // Other sessions of this user end: a changed password should lock out whoever had the old one.
      await trx.deleteFrom('sessions').where('user_id', '=', staff.id).where('id', '<>', staff.sessionId).execute();
      await audit(trx, staffActor(staff), { action: 'staff.password_changed', details: { userId: staff.id } });
    });
    return reply.redirect('/admin?flash=password', 303);
  });
};

// Not encapsulated: the onRoute hook, decorators and cookie parsing apply to the whole app.
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export default authPlugin;

export type { FastifyInstance };
