// Public entry points. Sign-in, sign-out and password change live in ../../plugins/auth.ts.
import type { FastifyPluginAsync } from 'fastify';

const publicRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_req, reply) => reply.redirect('/admin', 303));
};

export default publicRoutes;
