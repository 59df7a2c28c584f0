// CSV import (upload, progress page that refreshes itself without JS, per-row report) and streaming export.
import type { FastifyPluginAsync } from 'fastify';
import { getList } from '../../../lists/lists.js';
import { exportCsv, parseMemberCsv, spreadsheetSafe } from '../../../members/csv.js';
import { getImport, startImport } from '../../../members/imports.js';
import { renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { isUploadedFile } from '../../plugins/multipart.js';
import { bigId, csrfField, fields, params, smallId, text } from '../../schemas.js';
import { parseStatus, str } from './_shared.js';
import { LIST_OWNERS } from './lists.js';

const REPORT_ROWS_SHOWN = 1000;

const listParams = params({ listId: smallId });
const importParams = params({ listId: smallId, importId: bigId });
/** The uploaded file (multipart) is an object the handler checks; pasted CSV is text. */
const importBody = fields({ csv: text(30 * 1024 * 1024), file: {}, _csrf: csrfField });
const exportQuery = fields({ status: text(40), q: text(1000), match: text(20), sort: text(40) });

const importExport: FastifyPluginAsync = async (app) => {
  const { db } = app.ctx;
  const owners = { roles: LIST_OWNERS, list: 'listId' };
  const listIdOf = (p: unknown) => Number((p as { listId: string }).listId);
  const importIdOf = (p: unknown) => Number((p as { importId: string }).importId);

  app.get('/admin/lists/:listId/import', { schema: { params: listParams }, config: { access: owners } }, async (req, reply) => {
    const list = await getList(db, listIdOf(req.params));
    if (!list) return renderError(reply, 404, 'No such list.');
    return reply.view('pages/admin/import.hbs', { title: 'Import members', list });
  });

  app.post('/admin/lists/:listId/import', { schema: { params: listParams, body: importBody }, config: { access: owners } }, async (req, reply) => {
    const listId = listIdOf(req.params);
    const list = await getList(db, listId);
    if (!list) return renderError(reply, 404, 'No such list.');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const file = body.file;
    const pasted = str(body.csv, 30 * 1024 * 1024);
    let data: Buffer | null = null;
    let filename = 'pasted.csv';
    if (isUploadedFile(file) && file.data.length > 0) {
      data = file.data;
      filename = file.filename || 'upload.csv';
    } else if (pasted.trim()) {
      data = Buffer.from(pasted);
    }
    const again = (error: string) => reply.code(400).view('pages/admin/import.hbs', { title: 'Import members', list, error });
    if (!data) return again('Choose a CSV file to import.');
    const parsed = parseMemberCsv(data);
    if ('error' in parsed) return again(parsed.error);
    const job = await startImport(app.ctx, staffActor(req.staff as StaffPrincipal), listId, parsed, filename);
    // Browsers that sent the form by script want JSON; plain form posts follow the redirect.
    if (String(req.headers.accept ?? '').includes('application/json')) {
      return reply.code(202).send({ id: job.id, url: `/admin/lists/${listId}/imports/${job.id}` });
    }
    return reply.redirect(`/admin/lists/${listId}/imports/${job.id}`, 303);
  });

  app.get('/admin/lists/:listId/imports/:importId', { schema: { params: importParams }, config: { access: owners } }, async (req, reply) => {
    const listId = listIdOf(req.params);
    const list = await getList(db, listId);
    const job = await getImport(db, listId, importIdOf(req.params));
    if (!list || !job) return renderError(reply, 404, 'No such import.');
    const refused = (job.refused ?? []) as { line: number; address: string; reason: string }[];
    const running = job.state === 'running';
    // Without JS the page reloads itself while the import runs.
    if (running) reply.header('refresh', '1');
    return reply.view('pages/admin/import-status.hbs', {
      title: running ? 'Importing…' : 'Import report',
      list,
      job,
      running,
      percent: job.to_insert > 0 ? Math.floor((job.done / job.to_insert) * 100) : running ? 0 : 100,
      refused: refused.slice(0, REPORT_ROWS_SHOWN),
      refusedMore: Math.max(0, refused.length - REPORT_ROWS_SHOWN),
    });
  });

  app.get('/admin/lists/:listId/imports/:importId/status', { schema: { params: importParams }, config: { access: owners } }, async (req, reply) => {
    const job = await getImport(db, listIdOf(req.params), importIdOf(req.params));
    if (!job) return reply.code(404).send({ error: 'not_found' });
    return {
      id: job.id,
      state: job.state,
      totalRows: job.total_rows,
      toInsert: job.to_insert,
      done: job.done,
      added: job.added,
      refused: job.refused_count,
      error: job.error,
    };
  });

  app.get('/admin/lists/:listId/imports/:importId/refused.csv', { schema: { params: importParams }, config: { access: owners } }, async (req, reply) => {
    const job = await getImport(db, listIdOf(req.params), importIdOf(req.params));
    if (!job) return renderError(reply, 404, 'No such import.');
    const { stringify } = await import('csv-stringify/sync');
    const refused = (job.refused ?? []) as { line: number; address: string; reason: string }[];
    const body = stringify(
      refused.map((r) => [r.line, spreadsheetSafe(r.address), r.reason]),
      { header: true, columns: ['line', 'address', 'reason'] },
    );
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${job.id}-refused.csv"`)
      .send(body);
  });

  app.get('/admin/lists/:listId/export.csv', { schema: { params: listParams, querystring: exportQuery }, config: { access: owners } }, async (req, reply) => {
    const listId = listIdOf(req.params);
    const list = await getList(db, listId);
    if (!list) return renderError(reply, 404, 'No such list.');
    const query = req.query as Record<string, unknown>;
    const stream = exportCsv(db, listId, { status: parseStatus(query.status), q: str(query.q, 300) });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${list.name}-members.csv"`)
      .send(stream);
  });
};

export default importExport;
