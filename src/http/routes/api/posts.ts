// JSON API for posts, for scripts and the UI's live progress: the same staff session, roles and CSRF token
// (header x-csrf-token) as the admin pages; a list admin only reaches the lists they were given.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { cancelPost, createPost, pausePost, postProgress, resumePost, startPost, type PostActionResult } from '../../../sending/posts.js';
import { POST_ROLES, staffActor, type StaffPrincipal } from '../../plugins/auth.js';
import { text } from '../../schemas.js';
import { postRouteParams } from '../admin/_shared.js';

const access = { roles: POST_ROLES, list: 'listId' };

const ids = postRouteParams;

const postBody = {
  type: 'object',
  required: ['subject'],
  additionalProperties: false,
  properties: {
    subject: { ...text(998), minLength: 1 },
    text: { ...text(5_000_000), type: ['string', 'null'] },
    html: { ...text(5_000_000), type: ['string', 'null'] },
  },
} as const;

type Params = { listId: string; postId?: string };

function staffOf(req: FastifyRequest): StaffPrincipal {
  return (req as FastifyRequest & { staff: StaffPrincipal }).staff;
}

const apiPostRoutes: FastifyPluginAsync = async (app) => {
  const ctx = app.ctx;

  /** The post, if it belongs to the list in the URL (list access is checked by the auth plugin). */
  async function postOfList(req: FastifyRequest): Promise<number | null> {
    const p = req.params as Params;
    const row = await ctx.db
      .selectFrom('posts')
      .select('id')
      .where('id', '=', Number(p.postId))
      .where('list_id', '=', Number(p.listId))
      .executeTakeFirst();
    return row ? row.id : null;
  }

  const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'not_found' });

  app.get('/api/lists/:listId/posts/:postId', { schema: { params: ids }, config: { access } }, async (req, reply) => {
    const postId = await postOfList(req);
    if (postId === null) return notFound(reply);
    return postProgress(ctx.db, postId);
  });

  app.post('/api/lists/:listId/posts', { schema: { params: ids, body: postBody }, config: { access } }, async (req, reply) => {
    const body = req.body as { subject: string; text?: string | null; html?: string | null };
    const r = await createPost(
      ctx.db,
      staffActor(staffOf(req)),
      { listId: Number((req.params as Params).listId), subject: body.subject, text: body.text ?? null, html: body.html ?? null },
      ctx.clock,
    );
    if (!r.ok) return reply.code(r.error === 'no_list' ? 404 : 400).send(r);
    return reply.code(201).send(r);
  });

  const actions: Record<string, (postId: number, req: FastifyRequest) => Promise<PostActionResult>> = {
    start: (id, req) => startPost(ctx.db, staffActor(staffOf(req)), id, ctx.clock),
    pause: (id, req) => pausePost(ctx.db, staffActor(staffOf(req)), id),
    resume: (id, req) => resumePost(ctx.db, staffActor(staffOf(req)), id),
    cancel: (id, req) => cancelPost(ctx.db, staffActor(staffOf(req)), id, ctx.clock),
  };
  for (const [name, run] of Object.entries(actions)) {
    app.post(`/api/lists/:listId/posts/:postId/${name}`, { schema: { params: ids }, config: { access } }, async (req, reply) => {
      const postId = await postOfList(req);
      if (postId === null) return notFound(reply);
      const r = await run(postId, req);
      if (!r.ok) return reply.code(r.error === 'not_found' ? 404 : 409).send(r);
      return r;
    });
  }
};

export default apiPostRoutes;
