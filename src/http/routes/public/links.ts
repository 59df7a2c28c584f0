// The pages behind the signed links in mail: unsubscribe (RFC 8058 one-click POST too), re-enable, confirm, manage.
// A GET never changes anything (link scanners open every URL); the change is a POST carrying the same token.
// The token is the credential and is unguessable, so it also stands in for a CSRF token on these forms.
// Answers never tell whether an address is subscribed: the same page whatever the member's state.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Actor } from '../../../audit.js';
import { verifyLink, linkUrl, type LinkAction, type LinkCheck } from '../../../links/index.js';
import { reenable, unsubscribe } from '../../../members/operations.js';
import { confirmLinkOpen, confirmSubscription } from '../../../members/subscribe-requests.js';
import { queueNotice } from '../../../notices/index.js';

const tokenParams = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', maxLength: 200 } },
} as const;

const WHAT: Record<LinkAction, { title: string; question: string; button: string }> = {
  unsubscribe: { title: 'Unsubscribe', question: 'Unsubscribe from {list}?', button: 'Unsubscribe' },
  reenable: { title: 'Re-enable delivery', question: 'Start receiving {list} again?', button: 'Re-enable my delivery' },
  confirm: { title: 'Confirm subscription', question: 'Confirm your subscription to {list}?', button: 'Confirm my subscription' },
  manage: { title: 'Your subscription', question: '', button: '' },
};

const linksRoutes: FastifyPluginAsync = async (app) => {
  const ctx = app.ctx;
  // RFC 8058 senders may post with any content type; the body is not needed (the token says everything).
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));

  function invalid(reply: FastifyReply, check: Extract<LinkCheck, { ok: false }>): FastifyReply {
    const expired = check.error === 'expired';
    return reply
      .code(expired ? 410 : 400)
      .header('cache-control', 'no-store')
      .view('pages/public/link-invalid.hbs', {
        title: expired ? 'Link expired' : 'Link not valid',
        expired,
      });
  }

  async function listLabel(listId: number): Promise<string> {
    const l = await ctx.db.selectFrom('lists').select(['display_name', 'name']).where('id', '=', listId).executeTakeFirst();
    return l ? l.display_name || l.name : 'this list';
  }

  async function memberActor(memberId: number): Promise<Actor> {
    const m = await ctx.db.selectFrom('members').select('address').where('id', '=', memberId).executeTakeFirst();
    return { type: 'member', id: null, label: m?.address ?? `member ${memberId}` };
  }

  /** The member named by a valid token must belong to the list it names (tokens are signed, but be strict). */
  async function memberOfList(memberId: number, listId: number): Promise<boolean> {
    const m = await ctx.db.selectFrom('members').select('list_id').where('id', '=', memberId).executeTakeFirst();
    return m?.list_id === listId;
  }

  function confirmPage(reply: FastifyReply, action: LinkAction, token: string, list: string): FastifyReply {
    const w = WHAT[action];
    return reply.header('cache-control', 'no-store').view('pages/public/link-confirm.hbs', {
      title: w.title,
      question: w.question.replace('{list}', list),
      button: w.button,
      action: `/s/${action}/${token}`,
    });
  }

  function donePage(reply: FastifyReply, title: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
    return reply.header('cache-control', 'no-store').view('pages/public/link-done.hbs', { title, message, ...extra });
  }

  /** A confirm link already used: say so, and where to sign up again. */
  async function usedPage(reply: FastifyReply, listId: number): Promise<FastifyReply> {
    const l = await ctx.db.selectFrom('lists').select(['name', 'display_name']).where('id', '=', listId).executeTakeFirst();
    return reply
      .code(410)
      .header('cache-control', 'no-store')
      .view('pages/public/link-used.hbs', { title: 'Link already used', list: l ? l.display_name || l.name : null, signUp: l ? `/subscribe/${l.name}` : null });
  }

  for (const action of ['unsubscribe', 'reenable', 'confirm'] as const) {
    app.get(`/s/${action}/:token`, { schema: { params: tokenParams } }, async (req, reply) => {
      const { token } = req.params as { token: string };
      const check = verifyLink(ctx.config, action, token, ctx.clock.today());
      if (!check.ok) return invalid(reply, check);
      if (action === 'confirm' && !(await confirmLinkOpen(ctx.db, check))) return usedPage(reply, check.listId);
      return confirmPage(reply, action, token, await listLabel(check.listId));
    });

    // Accepts the page's form and RFC 8058's one-click POST (body "List-Unsubscribe=One-Click", any content type).
    app.post(`/s/${action}/:token`, { schema: { params: tokenParams } }, async (req, reply) => {
      const { token } = req.params as { token: string };
      const today = ctx.clock.today();
      const check = verifyLink(ctx.config, action, token, today);
      if (!check.ok) return invalid(reply, check);
      const list = await listLabel(check.listId);
      if (await memberOfList(check.memberId, check.listId)) {
        const actor = await memberActor(check.memberId);
        if (action === 'unsubscribe') {
          const r = await unsubscribe(ctx.db, actor, check.memberId, today);
          if (r.ok && r.changed) {
            await queueNotice(ctx.db, {
              type: 'unsubscribed',
              listId: check.listId,
              memberId: check.memberId,
              to: r.address,
              dedupeKey: `unsubscribed:${check.memberId}:${today}`,
              now: ctx.clock.now(),
            });
          }
        } else if (action === 'reenable') {
          await reenable(ctx.db, actor, check.memberId, today);
        } else {
          const r = await confirmSubscription(ctx, check, actor);
          if (r.state === 'used') return usedPage(reply, check.listId);
        }
      }
      ctx.logger.info({ action, listId: check.listId }, 'signed link used');
      if (action === 'unsubscribe') {
        return donePage(reply, 'Unsubscribed', `You will receive no more posts from ${list} at this address.`);
      }
      if (action === 'reenable') {
        return donePage(reply, 'Delivery re-enabled', `Posts from ${list} will be delivered to this address again.`);
      }
      return donePage(reply, 'Subscription confirmed', `Thank you. Posts from ${list} will be delivered to this address.`);
    });
  }

  app.get('/s/manage/:token', { schema: { params: tokenParams } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    const today = ctx.clock.today();
    const check = verifyLink(ctx.config, 'manage', token, today);
    if (!check.ok) return invalid(reply, check);
    const member = await ctx.db.selectFrom('members').select(['id', 'address']).where('id', '=', check.memberId).executeTakeFirst();
    // Every list of this address, each with its own signed links: the person owns the mailbox the link went to.
    const rows = member
      ? await ctx.db
          .selectFrom('members as m')
          .innerJoin('lists as l', 'l.id', 'm.list_id')
          .select(['m.id', 'm.list_id', 'm.status', 'l.display_name', 'l.name'])
          .where('m.address', '=', member.address)
          .orderBy('l.display_name')
          .execute()
      : [];
    const lists = rows.map((r) => ({
      name: r.display_name || r.name,
      receiving: r.status === 'enabled',
      disabled: r.status === 'disabled_by_bounce',
      left: r.status === 'unsubscribed' || r.status === 'removed' || r.status === 'pending',
      unsubscribeUrl: linkUrl({ baseUrl: '', secretKey: ctx.config.secretKey }, 'unsubscribe', r.id, r.list_id, today),
      reenableUrl: linkUrl({ baseUrl: '', secretKey: ctx.config.secretKey }, 'reenable', r.id, r.list_id, today),
    }));
    return reply.header('cache-control', 'no-store').view('pages/public/link-manage.hbs', {
      title: 'Your subscriptions',
      address: member?.address ?? null,
      lists,
    });
  });
};

export default linksRoutes;
