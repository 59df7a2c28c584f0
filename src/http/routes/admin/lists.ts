// A list's page (member table with search, filter, sort, keyset pages and counts), creating and editing lists.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { createList, getList, statusCounts, updateList, type ListFormErrors, type ListInput } from '../../../lists/lists.js';
import {
  countMatches,
  findMembers,
  MEMBER_SORTS,
  normaliseQuery,
  removalOutlook,
  type MatchMode,
  type MemberSort,
} from '../../../members/directory.js';
import { ADMIN_ONLY, ALL_STAFF, renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { addressText, csrfField, fields, params, smallId, text } from '../../schemas.js';
import { flashFor, parseStatus, positiveInt, STATUS_LABELS, str } from './_shared.js';

/** Who may change a list's members (add, import, export) and its name fields: not the service desk. */
export const LIST_OWNERS = ['site_admin', 'list_admin'] as const;

const listParams = params({ listId: smallId });
const listBody = fields({
  name: text(1000),
  display_name: text(1000),
  description: text(20_000),
  owner_address: addressText(1000),
  _csrf: csrfField,
});
/** Unknown sorts, statuses and modes fall back to the defaults (old bookmarks keep working); text is bounded. */
const tableQuery = fields({
  q: text(1000),
  match: text(20),
  status: text(40),
  sort: text(40),
  limit: text(20),
  after: text(2000),
  before: text(2000),
  flash: text(40),
});

function listInput(body: Record<string, unknown>): ListInput {
  return {
    name: str(body.name, 100).trim().toLowerCase(),
    displayName: str(body.display_name, 300),
    description: str(body.description, 6000),
    ownerAddress: str(body.owner_address, 400),
  };
}

const lists: FastifyPluginAsync = async (app) => {
  const { db, clock } = app.ctx;

  function listForm(reply: FastifyReply, code: number, data: { creating: boolean; values: Record<string, unknown>; errors?: ListFormErrors; listId?: number }) {
    return reply.code(code).view('pages/admin/list-form.hbs', {
      title: data.creating ? 'New list' : 'Edit list',
      ...data,
      errorCount: Object.keys(data.errors ?? {}).length,
    });
  }

  app.get('/admin/lists/new', { config: { access: { roles: ADMIN_ONLY } } }, async (_req, reply) =>
    listForm(reply, 200, { creating: true, values: {} }),
  );

  app.post('/admin/lists', { schema: { body: listBody }, config: { access: { roles: ADMIN_ONLY } } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = listInput(body);
    const result = await createList(db, staffActor(req.staff as StaffPrincipal), input);
    if (!result.ok) return listForm(reply, 400, { creating: true, values: body, errors: result.errors });
    return reply.redirect(`/admin/lists/${result.id}?flash=list_created`, 303);
  });

  app.get('/admin/lists/:listId/edit', { schema: { params: listParams }, config: { access: { roles: LIST_OWNERS, list: 'listId' } } }, async (req, reply) => {
    const list = await getList(db, Number((req.params as { listId: string }).listId));
    if (!list) return renderError(reply, 404, 'No such list.');
    return listForm(reply, 200, {
      creating: false,
      listId: list.id,
      values: { name: list.name, display_name: list.display_name, description: list.description, owner_address: list.owner_address ?? '' },
    });
  });

  app.post('/admin/lists/:listId/edit', { schema: { params: listParams, body: listBody }, config: { access: { roles: LIST_OWNERS, list: 'listId' } } }, async (req, reply) => {
    const listId = Number((req.params as { listId: string }).listId);
    const list = await getList(db, listId);
    if (!list) return renderError(reply, 404, 'No such list.');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await updateList(db, staffActor(req.staff as StaffPrincipal), listId, { ...listInput(body), name: list.name });
    if (!result.ok) return listForm(reply, 400, { creating: false, listId, values: { ...body, name: list.name }, errors: result.errors });
    return reply.redirect(`/admin/lists/${listId}?flash=list_saved`, 303);
  });

  app.get('/admin/lists/:listId', { schema: { params: listParams, querystring: tableQuery }, config: { access: { roles: ALL_STAFF, list: 'listId' } } }, async (req, reply) => {
    const staff = req.staff as StaffPrincipal;
    const listId = Number((req.params as { listId: string }).listId);
    const query = req.query as Record<string, unknown>;
    const q = normaliseQuery(str(query.q, 300));
    const match: MatchMode = query.match === 'prefix' ? 'prefix' : 'contains';
    const status = parseStatus(query.status);
    const sort = (typeof query.sort === 'string' && Object.hasOwn(MEMBER_SORTS, query.sort) ? query.sort : 'address') as MemberSort;
    const limit = positiveInt(query.limit) ?? 50;
    const after = str(query.after, 500);
    const before = str(query.before, 500);
    // Independent reads in parallel: the page costs the slowest of them, not their sum.
    const [list, page, counts] = await Promise.all([
      getList(db, listId),
      findMembers(db, listId, { q, match, status, sort, after, before, limit }),
      statusCounts(db, [listId]).then((m) => m.get(listId)),
    ]);
    // A first page that is not full is the whole result: no second search to count it.
    const matches = !q
      ? null
      : !after && !before && !page.next
        ? { n: page.rows.length, capped: false }
        : await countMatches(db, listId, { q, match, status });
    if (!list) return renderError(reply, 404, 'No such list.');
    const today = clock.today();
    const base = new URLSearchParams();
    if (q) base.set('q', q);
    if (q && match !== 'contains') base.set('match', match);
    if (status) base.set('status', status);
    if (sort !== 'address') base.set('sort', sort);
    if (limit !== 50) base.set('limit', String(limit));
    const link = (k: string, v: string) => {
      const p = new URLSearchParams(base);
      p.set(k, v);
      return `/admin/lists/${listId}?${p.toString()}`;
    };
    const total = status ? (counts?.[status] ?? 0) : (counts?.total ?? 0);
    return reply.view('pages/admin/list.hbs', {
      title: list.display_name,
      list,
      counts,
      statusTabs: (['enabled', 'disabled_by_bounce', 'pending', 'unsubscribed', 'removed'] as const).map((s) => ({
        status: s,
        label: STATUS_LABELS[s],
        n: counts?.[s] ?? 0,
        current: s === status,
        href: `/admin/lists/${listId}?status=${s}`,
      })),
      rows: page.rows.map((r) => ({
        ...r,
        statusLabel: STATUS_LABELS[r.status],
        outlook: removalOutlook(r, list, today),
      })),
      q,
      match,
      status,
      sort,
      sorts: Object.entries(MEMBER_SORTS).map(([value, label]) => ({ value, label, selected: value === sort })),
      statuses: Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label, selected: value === status })),
      total,
      matches,
      nextHref: page.next ? link('after', page.next) : null,
      prevHref: page.prev ? link('before', page.prev) : null,
      exportHref: `/admin/lists/${listId}/export.csv${base.toString() ? `?${base.toString()}` : ''}`,
      canEditMembers: staff.role !== 'service_desk',
      canEditList: staff.role !== 'service_desk',
      flash: flashFor(query.flash),
    });
  });
};

export default lists;
