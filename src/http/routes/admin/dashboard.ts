import type { FastifyPluginAsync } from 'fastify';
import { ALL_STAFF } from '../../plugins/auth.js';

const dashboard: FastifyPluginAsync = async (app) => {
  app.get('/admin', { config: { access: { roles: ALL_STAFF } } }, async (_req, reply) =>
    reply.view('pages/admin/dashboard.hbs', { title: 'Your lists', lists: [] }),
  );
};

export default dashboard;
