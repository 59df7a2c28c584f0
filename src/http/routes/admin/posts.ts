// Posts to a list: compose, send, live progress (JSON polled by a small script; the page alone works with a
// refresh link), pause/resume, per-recipient results. Site admins and a list's own admins; never the service desk.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { DeliveryStatus, Post } from '../../../db/schema.js';
import {
  cancelPost,
  createPost,
  INTERRUPTED_PREFIX,
  pausePost,
  postProgress,
  resumePost,
  retryInterrupted,
  startPost,
  type PostProgress,
} from '../../../sending/posts.js';
import { POST_ROLES, renderError, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { csrfField, fields, oneOf, text } from '../../schemas.js';
import { postRouteParams } from './_shared.js';

const access = { roles: POST_ROLES, list: 'listId' };
const RESULTS_PAGE = 100;
const FAILED: readonly DeliveryStatus[] = ['failed', 'bounced', 'complained'];

const ids = postRouteParams;
const csrfOnly = fields({ _csrf: csrfField });

type Show = 'all' | 'failures' | 'pending' | 'delayed' | 'done';
const SHOWS: readonly Show[] = ['all', 'failures', 'pending', 'delayed', 'done'];
const SHOW: Record<Show, readonly DeliveryStatus[] | null> = {
  all: null,
  failures: FAILED,
  pending: ['queued', 'sending', 'deferred'],
  // Sent; the receiving side reported a delay and still retries (not our queue).
  delayed: ['delayed'],
  done: ['sent', 'delivered'],
};

const ERRORS: Record<string, { field: string; text: string }> = {
  empty_subject: { field: 'subject', text: 'Write a subject.' },
  no_body: { field: 'text', text: 'Write the message as text, as HTML, or both.' },
};

const FLASHES: Record<string, string> = {
  created: 'Draft saved. Check it, then send it.',
  started: 'Sending has started.',
  paused: 'Sending is paused. Messages already handed to the mail server still go out.',
  resumed: 'Sending resumed.',
  cancelled: 'The post is cancelled.',
  requeued: 'The interrupted messages are queued again.',
};

/** Progress as the page and the JSON endpoint show it. */
function progressView(p: PostProgress) {
  const settled = p.done + p.counts.failed;
  return {
    ...p,
    settled,
    percent: p.total > 0 ? Math.floor((settled * 100) / p.total) : p.status === 'sent' ? 100 : 0,
    pending: p.counts.queued + p.counts.sending + p.counts.deferred,
    /** Taken by the receiving server and not (yet) bounced back. */
    accepted: p.counts.sent + p.counts.delivered,
    /** Sent, and a delay DSN came back: the remote side still retries. */
    delayed: p.counts.delayed,
    finished: p.status === 'sent' || p.status === 'cancelled',
  };
}

const postsRoutes: FastifyPluginAsync = async (app) => {
  const { db, clock } = app.ctx;

  async function loadPost(req: FastifyRequest, reply: FastifyReply): Promise<{ post: Post; list: { id: number; name: string; display_name: string } } | null> {
    const { listId, postId } = req.params as { listId: string; postId: string };
    const post = await db.selectFrom('posts').selectAll().where('id', '=', Number(postId)).where('list_id', '=', Number(listId)).executeTakeFirst();
    if (!post) {
      await renderError(reply, 404, 'No such post on this list.');
      return null;
    }
    const list = await db.selectFrom('lists').select(['id', 'name', 'display_name']).where('id', '=', post.list_id).executeTakeFirstOrThrow();
    return { post, list };
  }

  async function loadList(req: FastifyRequest, reply: FastifyReply) {
    const { listId } = req.params as { listId: string };
    const list = await db.selectFrom('lists').select(['id', 'name', 'display_name']).where('id', '=', Number(listId)).executeTakeFirst();
    if (!list) await renderError(reply, 404, 'No such list.');
    return list ?? null;
  }

  async function enabledCount(listId: number): Promise<number> {
    const r = await db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('list_id', '=', listId)
      .where('status', '=', 'enabled')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  app.get('/admin/lists/:listId/posts', { schema: { params: ids }, config: { access } }, async (req, reply) => {
    const list = await loadList(req, reply);
    if (!list) return reply;
    const posts = await db
      .selectFrom('posts as p')
      .select([
        'p.id',
        'p.subject',
        'p.status',
        'p.total',
        'p.created_at',
        'p.started_at',
        'p.finished_at',
        sql<number>`(select count(*) from deliveries d where d.post_id = p.id and d.status in ('failed', 'bounced', 'complained'))::int`.as('failures'),
      ])
      .where('p.list_id', '=', list.id)
      .orderBy('p.created_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(100)
      .execute();
    return reply.view('pages/admin/posts/index.hbs', { title: `Posts · ${list.name}`, list, posts });
  });

  function renderCompose(reply: FastifyReply, list: { id: number; name: string; display_name: string }, values: Record<string, string>, error?: { field: string; text: string }) {
    return reply.view('pages/admin/posts/compose.hbs', { title: `New post · ${list.name}`, list, values, error: error ?? null });
  }

  app.get('/admin/lists/:listId/posts/new', { schema: { params: ids }, config: { access } }, async (req, reply) => {
    const list = await loadList(req, reply);
    if (!list) return reply;
    return renderCompose(reply, list, { subject: '', text: '', html: '' });
  });

  app.post(
    '/admin/lists/:listId/posts',
    {
      schema: {
        params: ids,
        body: fields({ subject: text(998), text: text(5_000_000), html: text(5_000_000), _csrf: csrfField }),
      },
      attachValidation: true,
      config: { access },
    },
    async (req, reply) => {
      const list = await loadList(req, reply);
      if (!list) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = {
        subject: typeof body.subject === 'string' ? body.subject : '',
        text: typeof body.text === 'string' ? body.text : '',
        html: typeof body.html === 'string' ? body.html : '',
      };
      if (req.validationError) {
        return renderCompose(reply.code(400), list, values, { field: 'subject', text: 'The subject is too long (998 characters at most), the body too large (5 MB), or one of them holds a NUL character.' });
      }
      const staff = req.staff as StaffPrincipal;
      const result = await createPost(db, staffActor(staff), { listId: list.id, subject: values.subject, text: values.text, html: values.html }, clock);
      if (!result.ok) {
        const err =
          result.error === 'bad_template'
            ? { field: result.field ?? 'text', text: `The ${result.field === 'html' ? 'HTML' : result.field ?? 'text'} has a template mistake: ${result.detail ?? ''}` }
            : ERRORS[result.error] ?? { field: 'subject', text: 'The post could not be saved.' };
        return renderCompose(reply.code(400), list, values, err);
      }
      return reply.redirect(`/admin/lists/${list.id}/posts/${result.postId}?flash=created`, 303);
    },
  );

  app.get(
    '/admin/lists/:listId/posts/:postId',
    {
      schema: {
        params: ids,
        querystring: fields({
          show: oneOf(SHOWS),
          after: { type: 'string', pattern: '^[0-9]{1,15}$' },
          flash: text(20),
        }),
      },
      config: { access },
    },
    async (req, reply) => {
      const loaded = await loadPost(req, reply);
      if (!loaded) return reply;
      const { post, list } = loaded;
      const q = req.query as { show?: Show; after?: string; flash?: string };
      const show: Show = q.show ?? 'all';
      const after = q.after ? Number(q.after) : 0;
      let dq = db
        .selectFrom('deliveries')
        .select(['id', 'address', 'status', 'bounce_category', 'attempts', 'last_error', 'sent_at', 'updated_at'])
        .where('post_id', '=', post.id)
        .where('id', '>', after);
      const statuses = SHOW[show];
      if (statuses) dq = dq.where('status', 'in', statuses);
      const rows = await dq.orderBy('id').limit(RESULTS_PAGE + 1).execute();
      const more = rows.length > RESULTS_PAGE;
      if (more) rows.pop();
      const progress = progressView((await postProgress(db, post.id)) as PostProgress);
      // Messages cut off by a crash are failed, not re-sent (at most once); an admin may queue them again.
      const interrupted =
        progress.counts.failed > 0
          ? Number(
              (
                await db
                  .selectFrom('deliveries')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .where('post_id', '=', post.id)
                  .where('status', '=', 'failed')
                  .where('last_error', 'like', `${INTERRUPTED_PREFIX}%`)
                  .executeTakeFirstOrThrow()
              ).n,
            )
          : 0;
      const flash = q.flash && Object.hasOwn(FLASHES, q.flash) ? { kind: 'ok', text: FLASHES[q.flash] } : undefined;
      const base = `/admin/lists/${list.id}/posts/${post.id}`;
      return reply.view('pages/admin/posts/show.hbs', {
        title: `${post.subject} · ${list.name}`,
        list,
        post,
        progress,
        interrupted,
        enabled: post.status === 'draft' ? await enabledCount(list.id) : null,
        deliveries: rows.map((d) => ({ ...d, failed: FAILED.includes(d.status) })),
        show,
        tabs: SHOWS.map((s) => ({ key: s, href: `${base}?show=${s}`, current: s === show })),
        nextHref: more ? `${base}?show=${show}&after=${rows[rows.length - 1].id}` : null,
        firstHref: after > 0 ? `${base}?show=${show}` : null,
        refreshHref: `${base}?show=${show}${after > 0 ? `&after=${after}` : ''}`,
        flash,
      });
    },
  );

  app.get('/admin/lists/:listId/posts/:postId/progress', { schema: { params: ids }, config: { access } }, async (req, reply) => {
    const { listId, postId } = req.params as { listId: string; postId: string };
    const p = await postProgress(db, Number(postId));
    if (!p || p.listId !== Number(listId)) return reply.code(404).send({ error: 'not_found' });
    reply.header('cache-control', 'no-store');
    return progressView(p);
  });

  app.post('/admin/lists/:listId/posts/:postId/retry-interrupted', { schema: { params: ids, body: csrfOnly }, config: { access } }, async (req, reply) => {
    const loaded = await loadPost(req, reply);
    if (!loaded) return reply;
    await retryInterrupted(db, staffActor(req.staff as StaffPrincipal), loaded.post.id, clock);
    return reply.redirect(`/admin/lists/${loaded.list.id}/posts/${loaded.post.id}?flash=requeued`, 303);
  });

  const actions = { start: startPost, pause: pausePost, resume: resumePost, cancel: cancelPost } as const;
  const done = { start: 'started', pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;
  for (const name of Object.keys(actions) as (keyof typeof actions)[]) {
    app.post(`/admin/lists/:listId/posts/:postId/${name}`, { schema: { params: ids, body: csrfOnly }, config: { access } }, async (req, reply) => {
      const loaded = await loadPost(req, reply);
      if (!loaded) return reply;
      const actor = staffActor(req.staff as StaffPrincipal);
      const result = await actions[name](db, actor, loaded.post.id, clock);
      const base = `/admin/lists/${loaded.list.id}/posts/${loaded.post.id}`;
      if (!result.ok) {
        return renderError(reply, 409, `This post is ${result.status ?? 'in another state'} now; it cannot be ${done[name]}. Go back and reload the page.`);
      }
      return reply.redirect(`${base}?flash=${done[name]}`, 303);
    });
  }
};

export default postsRoutes;
