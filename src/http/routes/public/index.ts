import type { FastifyPluginAsync } from 'fastify';

const publicRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_req, reply) => reply.redirect('/login'));
  app.get('/login', async (_req, reply) => reply.view('pages/login.hbs', { title: 'Sign in' }));
};

export default publicRoutes;
