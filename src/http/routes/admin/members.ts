// One member: add by hand, the member page (status, score, bounce timeline, raw bounce) and its actions,
// each behind a confirmation page and audited by src/members/operations.ts.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { getList } from '../../../lists/lists.js';
import {
  addMember,
  bounceTimeline,
  getMember,
  memberHistory,
  rawBounce,
  removalOutlook,
} from '../../../members/directory.js';
import { reenable, removeMember, resetScore } from '../../../members/operations.js';
import { ALL_STAFF, renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { addressText, bigId, csrfField, fields, oneOf, params, smallId, text } from '../../schemas.js';
import { flashFor, STATUS_LABELS, str } from './_shared.js';
import { LIST_OWNERS } from './lists.js';

const ACTION_NAMES = ['reenable', 'reset_score', 'remove'] as const;
type Action = (typeof ACTION_NAMES)[number];

const listParams = params({ listId: smallId });
const memberParams = params({ listId: smallId, memberId: bigId });
const actionParams = params({ listId: smallId, memberId: bigId, action: oneOf(ACTION_NAMES) });
const eventParams = params({ listId: smallId, memberId: bigId, eventId: bigId });
const flashQuery = fields({ flash: text(40) });
const addBody = fields({ address: addressText(1000), display_name: text(1000), _csrf: csrfField });

const ACTIONS: Record<Action, { label: string; question: string; danger: boolean; run: typeof reenable; when: (status: string, score: number) => boolean }> = {
  reenable: {
    label: 'Re-enable delivery',
    question: 'Re-enable delivery to this member? The bounce score goes back to 0 and no more warnings are sent.',
    danger: false,
    run: reenable,
    when: (status) => status === 'disabled_by_bounce',
  },
  reset_score: {
    label: 'Reset bounce score',
    question: 'Reset this member’s bounce score to 0? The status stays as it is.',
    danger: false,
    run: resetScore,
    when: (_s, score) => score > 0,
  },
  remove: {
    label: 'Remove from list',
    question: 'Remove this member from the list? No more mail is sent; the history is kept and the person may subscribe again.',
    danger: true,
    run: removeMember,
    when: (status) => status === 'enabled' || status === 'disabled_by_bounce' || status === 'pending',
  },
};

/** The route's ids, checked by its params schema. */
function ids(req: FastifyRequest): { listId: number; memberId: number } {
  const p = req.params as { listId: string; memberId?: string };
  return { listId: Number(p.listId), memberId: Number(p.memberId ?? 0) };
}

const members: FastifyPluginAsync = async (app) => {
  const { db, clock } = app.ctx;
  const owners = { roles: LIST_OWNERS, list: 'listId' };
  const anyStaff = { roles: ALL_STAFF, list: 'listId' };

  app.get('/admin/lists/:listId/members/new', { schema: { params: listParams }, config: { access: owners } }, async (req, reply) => {
    const list = await getList(db, ids(req).listId);
    if (!list) return renderError(reply, 404, 'No such list.');
    return reply.view('pages/admin/member-new.hbs', { title: 'Add member', list, values: {} });
  });

  app.post('/admin/lists/:listId/members', { schema: { params: listParams, body: addBody }, config: { access: owners } }, async (req, reply) => {
    const { listId } = ids(req);
    const list = await getList(db, listId);
    if (!list) return renderError(reply, 404, 'No such list.');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await addMember(db, staffActor(req.staff as StaffPrincipal), listId, {
      address: str(body.address, 400),
      displayName: str(body.display_name, 300),
    });
    if (!result.ok) {
      return reply.code(400).view('pages/admin/member-new.hbs', { title: 'Add member', list, values: body, error: result.message });
    }
    return reply.redirect(`/admin/lists/${listId}/members/${result.id}?flash=member_added`, 303);
  });

  app.get('/admin/lists/:listId/members/:memberId', { schema: { params: memberParams, querystring: flashQuery }, config: { access: anyStaff } }, async (req, reply) => {
    const { listId, memberId } = ids(req);
    const list = await getList(db, listId);
    const member = await getMember(db, listId, memberId);
    if (!list || !member) return renderError(reply, 404, 'No such member on this list.');
    const [events, history] = await Promise.all([bounceTimeline(db, listId, member.id), memberHistory(db, member.id)]);
    const score = Number(member.score);
    return reply.view('pages/admin/member.hbs', {
      title: member.address,
      list,
      member,
      score,
      statusLabel: STATUS_LABELS[member.status],
      outlook: removalOutlook(member, list, clock.today()),
      threshold: Number(list.threshold),
      events: events.map((e) => ({ ...e, hard: e.category === 'hard' || e.kind === 'complaint' })),
      history: history.map((h) => ({ ...h, detailsJson: JSON.stringify(h.details) })),
      actions: (Object.keys(ACTIONS) as Action[])
        .filter((a) => ACTIONS[a].when(member.status, score))
        .map((a) => ({ action: a, label: ACTIONS[a].label, danger: ACTIONS[a].danger })),
      flash: flashFor((req.query as Record<string, unknown>).flash),
    });
  });

  app.get('/admin/lists/:listId/members/:memberId/confirm/:action', { schema: { params: actionParams }, config: { access: anyStaff } }, async (req, reply) => {
    const { listId, memberId } = ids(req);
    const action = (req.params as { action: Action }).action;
    const member = await getMember(db, listId, memberId);
    if (!member) return renderError(reply, 404, 'No such member on this list.');
    return reply.view('pages/admin/member-confirm.hbs', {
      title: ACTIONS[action].label,
      listId,
      member,
      action,
      ...ACTIONS[action],
    });
  });

  app.post('/admin/lists/:listId/members/:memberId/actions/:action', { schema: { params: actionParams, body: fields({ _csrf: csrfField }) }, config: { access: anyStaff } }, async (req, reply) => {
    const { listId, memberId } = ids(req);
    const action = (req.params as { action: Action }).action;
    const member = await getMember(db, listId, memberId);
    if (!member) return renderError(reply, 404, 'No such member on this list.');
    const result = await ACTIONS[action].run(db, staffActor(req.staff as StaffPrincipal), member.id, clock.today());
    if (!result.ok) return renderError(reply, 404, 'No such member on this list.');
    return reply.redirect(`/admin/lists/${listId}/members/${member.id}?flash=${result.changed ? action : 'unchanged'}`, 303);
  });

  app.get('/admin/lists/:listId/members/:memberId/events/:eventId/raw', { schema: { params: eventParams, querystring: fields({ download: text(10) }) }, config: { access: anyStaff } }, async (req, reply) => {
    const { listId, memberId } = ids(req);
    const eventId = Number((req.params as { eventId: string }).eventId);
    const member = await getMember(db, listId, memberId);
    const raw = member ? await rawBounce(db, listId, member.id, eventId) : null;
    if (!member || !raw) return renderError(reply, 404, 'No stored message for this bounce event.');
    if ((req.query as Record<string, unknown>).download === '1') {
      return reply
        .header('content-type', 'message/rfc822')
        .header('content-disposition', `attachment; filename="bounce-${raw.inboundId}.eml"`)
        .header('x-content-type-options', 'nosniff')
        .send(raw.raw);
    }
    const SHOW = 512 * 1024;
    return reply.view('pages/admin/raw-bounce.hbs', {
      title: `Raw bounce #${raw.inboundId}`,
      listId,
      member,
      raw,
      text: raw.raw.subarray(0, SHOW).toString('latin1'),
      truncated: raw.raw.length > SHOW,
    });
  });
};

export default members;
