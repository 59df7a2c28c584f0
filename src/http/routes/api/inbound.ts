// POST /api/inbound/raw: an MTA pipes a bounce here (e.g. `curl --data-binary @- -H 'Authorization: Bearer …'`).
// Same pipeline and idempotency as the IMAP poller (by content hash). 404 when INBOUND_TOKEN is not configured,
// except for `npm run ingest` on the same machine, which authenticates with a token derived from the secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { DatabaseUnavailableError } from '../../../intake/errors.js';
import { localIngestToken } from '../../../intake/local-door.js';
import { ingestMessage } from '../../../intake/pipeline.js';

const MAX_BYTES = 25 * 1024 * 1024;

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  // Compare digests: equal length, constant time.
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

const inboundRoutes: FastifyPluginAsync = async (app) => {
  const localToken = localIngestToken(app.ctx.config.secretKey);
  // The body is the message itself, byte for byte, whatever the content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BYTES }, (_req, body, done) => done(null, body));

  app.post(
    '/api/inbound/raw',
    {
      bodyLimit: MAX_BYTES,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: ['integer', 'null'] },
              state: { type: 'string' },
              folder: { type: 'string' },
              duplicate: { type: 'boolean' },
              kind: { type: ['string', 'null'] },
              events: { type: 'integer' },
              scored: { type: 'integer' },
              error: { type: ['string', 'null'] },
            },
          },
          '4xx': { type: 'object', properties: { error: { type: 'string' } } },
          '5xx': { type: 'object', properties: { error: { type: 'string' } } },
        },
      },
    },
    async (req, reply) => {
      const token = app.ctx.config.inboundToken;
      const local = tokenMatches(req.headers.authorization, localToken);
      if (token === null && !local) return reply.code(404).send({ error: 'not found' });
      if (!local && (token === null || !tokenMatches(req.headers.authorization, token))) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid bearer token is required' });
      }
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return reply.code(400).send({ error: 'the request body must be the raw message (RFC 5322 bytes)' });
      }
      try {
        const o = await ingestMessage(app.ctx, body, { source: 'http' });
        return {
          id: o.inboundId,
          state: o.state,
          folder: o.folder,
          duplicate: o.duplicate,
          kind: o.kind,
          events: o.events,
          scored: o.scored,
          error: o.error,
        };
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) {
          // Nothing stored: the MTA keeps the message and tries again.
          req.log.warn({ err: err.message }, 'inbound: database unavailable');
          return reply.code(503).header('retry-after', '30').send({ error: 'temporarily unavailable, try again later' });
        }
        throw err;
      }
    },
  );
};

export default inboundRoutes;
