// The service desk: every list's bounce settings, edited with a preview before saving, and the audit log.
// Site admins and the service desk only (list admins never see other lists' policy).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { previewSettings, type SettingsPreview } from '../../../lists/preview.js';
import { updateListSettings, validateListSettings } from '../../../lists/settings.js';
import { DESK_ROLES, renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { csrfField, fields, params, smallId, text } from '../../schemas.js';
import { auditActions, auditPage, decodeCursor, listAllSettings, listSettings, type AuditFilter, type ListSettingsRow } from './queries.js';
import { FIELD_LABELS, formFromRow, formFromBody, settingsChanges, fingerprint, type SettingsForm } from './settings-form.js';

const access = { roles: DESK_ROLES };
const AUDIT_PAGE_SIZE = 50;

const listParams = params({ listId: smallId });
/** The form as sent: numbers as typed (validateListSettings says what is wrong with them), switches, intent. */
const settingsBody = fields({
  threshold: text(100),
  stale_after_days: text(100),
  warnings: text(100),
  warning_interval_days: text(100),
  blocked_weight: text(100),
  notify_owner_on_disable: text(10),
  notify_owner_on_removal: text(10),
  unsubscribe_on_complaint: text(10),
  process_bounces: text(10),
  switches: text(10),
  intent: text(20),
  previewed: text(200),
  _csrf: csrfField,
});

const deskRoutes: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app.ctx;

  app.get('/desk', { schema: { querystring: fields({ saved: text(200) }) }, config: { access } }, async (req, reply) => {
    const lists = await listAllSettings(db);
    const saved = (req.query as { saved?: string }).saved;
    const flash = saved ? { kind: 'ok', text: `Settings of ${saved} saved.` } : undefined;
    return reply.view('pages/desk/index.hbs', { title: 'Service desk', lists, flash });
  });

  async function loadList(req: FastifyRequest, reply: FastifyReply): Promise<ListSettingsRow | null> {
    const { listId } = req.params as { listId: string };
    const list = await listSettings(db, Number(listId));
    if (!list) {
      await renderError(reply, 404, 'No such list.');
      return null;
    }
    return list;
  }

  function renderEdit(
    reply: FastifyReply,
    list: ListSettingsRow,
    values: SettingsForm,
    extra: { errors?: Partial<Record<string, string>>; preview?: SettingsPreview; previewed?: string; notice?: string } = {},
  ) {
    const errorList = Object.entries(extra.errors ?? {}).map(([field, message]) => ({ field, message }));
    return reply.view('pages/desk/edit.hbs', {
      title: `Bounce settings · ${list.name}`,
      list,
      values,
      errors: errorList.length ? extra.errors : null,
      errorList,
      preview: extra.preview ?? null,
      previewed: extra.previewed ?? null,
      changes: extra.preview ? settingsChanges(formFromRow(list), values) : [],
      flash: extra.notice ? { kind: 'info', text: extra.notice } : undefined,
    });
  }

  app.get('/desk/lists/:listId', { schema: { params: listParams }, config: { access } }, async (req, reply) => {
    const list = await loadList(req, reply);
    if (!list) return reply;
    return renderEdit(reply, list, formFromRow(list));
  });

  app.post('/desk/lists/:listId', { schema: { params: listParams, body: settingsBody }, config: { access } }, async (req, reply) => {
    const list = await loadList(req, reply);
    if (!list) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = formFromBody(body, list);
    const checked = validateListSettings(values);
    if (!checked.ok) return renderEdit(reply.code(400), list, values, { errors: checked.errors });
    const print = fingerprint(values);
    const intent = body.intent === 'save' ? 'save' : 'preview';
    if (intent === 'save' && body.previewed === print) {
      const staff = req.staff as StaffPrincipal;
      const result = await updateListSettings(db, staffActor(staff), list.id, checked.settings);
      if (!result.ok && result.error === 'invalid') return renderEdit(reply.code(400), list, values, { errors: result.errors });
      if (!result.ok) return renderError(reply, 404, 'No such list.');
      return reply.redirect(`/desk?saved=${encodeURIComponent(list.name)}`, 303);
    }
    // A save whose values differ from those previewed is previewed again: the desk always sees what it saves.
    const preview = await previewSettings(db, list.id, checked.settings, clock.today());
    return renderEdit(reply, list, values, {
      preview,
      previewed: print,
      notice: intent === 'save' ? 'The values changed since the preview. Check the new preview, then save.' : undefined,
    });
  });

  app.get(
    '/desk/audit',
    {
      schema: {
        querystring: fields({
          list: text(12),
          action: text(100),
          actor: text(320),
          from: text(10),
          to: text(10),
          before: text(20),
        }),
      },
      config: { access },
    },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const errors: string[] = [];
      const date = (v: string | undefined, label: string): string | null => {
        if (!v) return null;
        if (!isCalendarDate(v)) {
          errors.push(`${label} must be a date like 2026-01-31.`);
          return null;
        }
        return v;
      };
      const listId = q.list && /^\d{1,9}$/.test(q.list) ? Number(q.list) : null;
      if (q.list && listId === null) errors.push('Unknown list.');
      const filter: AuditFilter = {
        listId,
        action: q.action?.trim() || null,
        actor: q.actor?.trim() || null,
        from: date(q.from, 'From'),
        to: date(q.to, 'To'),
      };
      if (filter.from && filter.to && filter.from > filter.to) errors.push('"From" is after "To": nothing can match.');
      const before = decodeCursor(q.before);
      const [page, lists, actions] = await Promise.all([
        auditPage(db, filter, { before, limit: AUDIT_PAGE_SIZE, timeZone: config.timeZone }),
        listAllSettings(db),
        auditActions(db),
      ]);
      const params = new URLSearchParams();
      if (filter.listId !== null) params.set('list', String(filter.listId));
      if (filter.action) params.set('action', filter.action);
      if (filter.actor) params.set('actor', filter.actor);
      if (filter.from) params.set('from', filter.from);
      if (filter.to) params.set('to', filter.to);
      const base = params.toString();
      const nextParams = new URLSearchParams(params);
      if (page.next !== null) nextParams.set('before', String(page.next));
      return reply.code(errors.length ? 400 : 200).view('pages/desk/audit.hbs', {
        title: 'Audit log',
        errors,
        filter: { ...filter, actor: q.actor ?? '', from: q.from ?? '', to: q.to ?? '' },
        lists: lists.map((l) => ({ id: l.id, name: l.name, selected: l.id === filter.listId })),
        actions: actions.map((a) => ({ name: a, selected: a === filter.action })),
        rows: page.rows.map((r) => ({ ...r, ...describeDetails(r.details) })),
        nextHref: page.next !== null ? `/desk/audit?${nextParams.toString()}` : null,
        firstHref: before !== null ? `/desk/audit${base ? `?${base}` : ''}` : null,
      });
    },
  );
};

/** YYYY-MM-DD naming a real day (JavaScript takes 2026-02-31 for March 3rd; PostgreSQL refuses it, and year 0). */
function isCalendarDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** A change's before/after as rows ("threshold: 5 → 3"); anything else as compact JSON. */
function describeDetails(details: unknown): { changes: { field: string; from: string; to: string }[]; rest: string } {
  if (!details || typeof details !== 'object') return { changes: [], rest: '' };
  const d = { ...(details as Record<string, unknown>) };
  const changes: { field: string; from: string; to: string }[] = [];
  const before = d.before as Record<string, unknown> | undefined;
  const after = d.after as Record<string, unknown> | undefined;
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
      changes.push({ field: FIELD_LABELS[field] ?? field, from: show(before[field]), to: show(after[field]) });
    }
    delete d.before;
    delete d.after;
  }
  const rest = Object.keys(d).length ? JSON.stringify(d) : '';
  return { changes, rest };
}

function show(v: unknown): string {
  if (v === true) return 'on';
  if (v === false) return 'off';
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export default deskRoutes;
