// Where mail is looked at by a person: bounces nobody could match (unrecognised, unprocessed, failed), the state
// of the bounce mailboxes, and in embedded mode the file outbox standing in for an SMTP server.
// Inbound mail is not tied to one list, so these pages are for site admins and the service desk; the outbox
// (every list's outgoing mail) for site admins.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { decodeHeader, headerValue, parseMessage } from '../../../bounce/mime.js';
import { inboundCounts, listInbound, mailboxStatuses, rawMessage } from '../../../intake/queries.js';
import { outboxDir } from '../../../sending/transport.js';
import { ADMIN_ONLY, DESK_ROLES, renderError } from '../../plugins/auth.js';
import { bigId, params } from '../../schemas.js';

const PAGE = 50;
/** Raw messages larger than this are shown cut (the download has all of it). */
const SHOW_BYTES = 512 * 1024;
const PROBLEM_STATES = ['unrecognised', 'unprocessed', 'failed'] as const;
type ProblemState = (typeof PROBLEM_STATES)[number];
/** Outbox file names as sending/transport.ts writes them; anything else (../, dot files) is refused. */
const OUTBOX_NAME = /^[0-9A-Za-z][0-9A-Za-z._-]{0,200}\.eml$/;

/** A few headers of a message, decoded for reading (the MIME reader of the classifier; bodies are not decoded). */
export function headersOf(raw: Uint8Array, names: string[]): Record<string, string> {
  const { root } = parseMessage(raw);
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = headerValue(root.headers, name);
    if (v !== null) out[name] = decodeHeader(v).slice(0, 500);
  }
  return out;
}

function rawText(raw: Uint8Array): { text: string; cut: boolean } {
  const cut = raw.byteLength > SHOW_BYTES;
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(cut ? raw.subarray(0, SHOW_BYTES) : raw), cut };
}

const mailRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app.ctx;
  const desk = { roles: DESK_ROLES };

  app.get(
    '/admin/mail/unrecognised',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: [...PROBLEM_STATES] },
            before: { type: 'string', pattern: '^[0-9]{1,15}$' },
          },
        },
      },
      config: { access: desk },
    },
    async (req, reply) => {
      const q = req.query as { state?: ProblemState; before?: string };
      const state: ProblemState = q.state ?? 'unrecognised';
      const rows = await listInbound(db, { state, limit: PAGE + 1, beforeId: q.before ? Number(q.before) : undefined });
      const more = rows.length > PAGE;
      if (more) rows.pop();
      const counts = await inboundCounts(db);
      return reply.view('pages/admin/mail/unrecognised.hbs', {
        title: 'Unrecognised bounces',
        state,
        tabs: PROBLEM_STATES.map((s) => ({ key: s, count: counts[s], current: s === state, href: `/admin/mail/unrecognised?state=${s}` })),
        messages: rows,
        nextHref: more ? `/admin/mail/unrecognised?state=${state}&before=${rows[rows.length - 1].id}` : null,
        firstHref: q.before ? `/admin/mail/unrecognised?state=${state}` : null,
      });
    },
  );

  const idParams = params({ id: bigId });

  app.get('/admin/mail/inbound/:id', { schema: { params: idParams }, config: { access: desk } }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const msg = await db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!msg) return renderError(reply, 404, 'No such message.');
    const events = await db
      .selectFrom('bounce_events as e')
      .leftJoin('lists as l', 'l.id', 'e.list_id')
      .select(['e.id', 'e.kind', 'e.category', 'e.reason', 'e.address', 'e.status', 'e.effect', 'e.member_id', 'e.list_id', 'l.name as list_name'])
      .where('e.inbound_message_id', '=', id)
      .orderBy('e.id')
      .execute();
    const { text, cut } = rawText(msg.raw);
    return reply.view('pages/admin/mail/inbound.hbs', {
      title: `Message ${id}`,
      msg: { ...msg, raw: undefined },
      events,
      classification: msg.classification ? JSON.stringify(msg.classification, null, 2) : null,
      raw: text,
      cut,
    });
  });

  app.get('/admin/mail/inbound/:id/raw', { schema: { params: idParams }, config: { access: desk } }, async (req, reply) => {
    const msg = await rawMessage(db, Number((req.params as { id: string }).id));
    if (!msg) return renderError(reply, 404, 'No such message.');
    // An attachment, never rendered: a hostile bounce must not become a page on our origin.
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', `attachment; filename="${msg.filename}"`)
      .header('x-content-type-options', 'nosniff')
      .send(msg.raw);
  });

  app.get('/admin/mail/mailboxes', { config: { access: desk } }, async (_req, reply) => {
    const statuses = await mailboxStatuses(db, config, clock.now());
    const mailboxes = statuses.map((m) => ({
      ...m,
      failing: m.lastError !== null && m.lastErrorAt !== null && (m.lastSuccessAt === null || m.lastErrorAt >= m.lastSuccessAt),
    }));
    const counts = await inboundCounts(db);
    return reply.view('pages/admin/mail/mailboxes.hbs', {
      title: 'Bounce mailboxes',
      mailboxes,
      states: Object.entries(counts).map(([state, n]) => ({ state, n })),
      pollSeconds: config.imapPollSeconds,
    });
  });

  // ─── the file outbox (embedded mode) ───────────────────────────────────────────────────────────
  const dir = outboxDir(config.dataDir);
  const admin = { roles: ADMIN_ONLY };

  app.get(
    '/admin/mail/outbox',
    {
      schema: { querystring: { type: 'object', properties: { before: { type: 'string', maxLength: 220 } } } },
      config: { access: admin },
    },
    async (req, reply) => {
      const before = (req.query as { before?: string }).before;
      let names: string[] = [];
      try {
        names = (await readdir(dir)).filter((n) => OUTBOX_NAME.test(n));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      // Names start with the ISO time they were written: newest first by name.
      names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
      const total = names.length;
      if (before) names = names.filter((n) => n < before);
      const page = names.slice(0, PAGE);
      const files = await Promise.all(
        page.map(async (name) => {
          const file = path.join(dir, name);
          const [info, head] = await Promise.all([stat(file), readHead(file)]);
          return { name, size: info.size, written: info.mtime, ...headersOf(head, ['subject', 'to', 'delivered-to', 'from', 'date']) };
        }),
      );
      return reply.view('pages/admin/mail/outbox.hbs', {
        title: 'Outbox',
        embedded: config.smtpUrl === null,
        dir,
        total,
        files,
        nextHref: names.length > PAGE ? `/admin/mail/outbox?before=${encodeURIComponent(page[page.length - 1])}` : null,
        firstHref: before ? '/admin/mail/outbox' : null,
      });
    },
  );

  const fileParams = { type: 'object', required: ['file'], properties: { file: { type: 'string', maxLength: 220 } } } as const;

  async function readOutbox(name: string): Promise<Buffer | null> {
    if (!OUTBOX_NAME.test(name)) return null;
    try {
      return await readFile(path.join(dir, name));
    } catch {
      return null;
    }
  }

  app.get('/admin/mail/outbox/:file', { schema: { params: fileParams }, config: { access: admin } }, async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const data = await readOutbox(name);
    if (!data) return renderError(reply, 404, 'No such message in the outbox.');
    const { text, cut } = rawText(data);
    return reply.view('pages/admin/mail/outbox-message.hbs', {
      title: `Outbox · ${name}`,
      name,
      headers: headersOf(data, ['subject', 'from', 'to', 'delivered-to', 'return-path', 'date', 'list-unsubscribe', 'list-unsubscribe-post']),
      raw: text,
      cut,
      size: data.byteLength,
    });
  });

  app.get('/admin/mail/outbox/:file/raw', { schema: { params: fileParams }, config: { access: admin } }, async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const data = await readOutbox(name);
    if (!data) return renderError(reply, 404, 'No such message in the outbox.');
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-content-type-options', 'nosniff')
      .send(data);
  });
};

/** The first 16 KB: enough for the headers of any sane message. */
async function readHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(16 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export default mailRoutes;
