// Staff management for site admins: create accounts (one-time password), assign list admins to lists,
// deactivate or reactivate, reset a password. Every change is audited by src/staff/accounts.ts.
import type { FastifyPluginAsync } from 'fastify';
import { visibleLists } from '../../../lists/lists.js';
import {
  createStaff,
  listStaff,
  resetStaffPassword,
  setListAccess,
  setStaffActive,
  STAFF_ROLES,
} from '../../../staff/accounts.js';
import { ADMIN_ONLY, renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { addressText, csrfField, fields, idList, params, smallId, text } from '../../schemas.js';
import { flashFor, positiveInt, str } from './_shared.js';

const ROLE_LABELS = { site_admin: 'Site admin', service_desk: 'Service desk', list_admin: 'List admin' } as const;

const userParams = params({ userId: smallId });
const listIds = idList(smallId);
const createBody = fields({ email: addressText(1000), name: text(1000), role: text(40), list_ids: listIds, _csrf: csrfField });

function listIdsFrom(v: unknown): number[] {
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.map(positiveInt).filter((n): n is number => n !== null);
}

const staffPages: FastifyPluginAsync = async (app) => {
  const { db } = app.ctx;
  const access = { roles: ADMIN_ONLY };

  async function page(extra: Record<string, unknown> = {}) {
    const [staff, lists] = await Promise.all([listStaff(db), visibleLists(db, { allLists: true, listIds: [] })]);
    return {
      title: 'Staff',
      staff: staff.map((s) => ({
        ...s,
        roleLabel: ROLE_LABELS[s.role],
        isListAdmin: s.role === 'list_admin',
        listOptions: lists.map((l) => ({ id: l.id, name: l.name, checked: s.lists.some((x) => x.id === l.id) })),
      })),
      lists,
      roles: STAFF_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      ...extra,
    };
  }

  app.get('/admin/staff', { schema: { querystring: fields({ flash: text(40) }) }, config: { access } }, async (req, reply) =>
    reply.view('pages/admin/staff.hbs', await page({ flash: flashFor((req.query as Record<string, unknown>).flash) })),
  );

  app.post('/admin/staff', { schema: { body: createBody }, config: { access } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await createStaff(db, staffActor(req.staff as StaffPrincipal), {
      email: str(body.email, 400),
      name: str(body.name, 300),
      role: str(body.role, 40),
      listIds: listIdsFrom(body.list_ids),
    });
    if (!result.ok) {
      return reply.code(400).view('pages/admin/staff.hbs', await page({ errors: result.errors, values: body }));
    }
    return reply.view(
      'pages/admin/staff.hbs',
      await page({ created: { email: str(body.email, 400).trim().toLowerCase(), password: result.password } }),
    );
  });

  app.post('/admin/staff/:userId/lists', { schema: { params: userParams, body: fields({ list_ids: listIds, _csrf: csrfField }) }, config: { access } }, async (req, reply) => {
    const userId = Number((req.params as { userId: string }).userId);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ok = await setListAccess(db, staffActor(req.staff as StaffPrincipal), userId, listIdsFrom(body.list_ids));
    if (!ok) return renderError(reply, 400, 'Only list admins are given lists.');
    return reply.redirect('/admin/staff?flash=staff_saved', 303);
  });

  app.post('/admin/staff/:userId/active', { schema: { params: userParams, body: fields({ active: text(10), _csrf: csrfField }) }, config: { access } }, async (req, reply) => {
    const userId = Number((req.params as { userId: string }).userId);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await setStaffActive(db, staffActor(req.staff as StaffPrincipal), userId, body.active === 'true');
    if (!result.ok) return renderError(reply, 400, result.error);
    return reply.redirect('/admin/staff?flash=staff_saved', 303);
  });

  app.post('/admin/staff/:userId/reset-password', { schema: { params: userParams, body: fields({ _csrf: csrfField }) }, config: { access } }, async (req, reply) => {
    const userId = Number((req.params as { userId: string }).userId);
    const password = await resetStaffPassword(db, staffActor(req.staff as StaffPrincipal), userId);
    if (!password) return renderError(reply, 404, 'No such account.');
    const user = await db.selectFrom('staff_users').select('email').where('id', '=', userId).executeTakeFirst();
    return reply.view('pages/admin/staff.hbs', await page({ created: { email: user?.email ?? '', password, reset: true } }));
  });
};

export default staffPages;
