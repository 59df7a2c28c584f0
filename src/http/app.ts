// The Fastify front door. It receives the services; it is not their container.
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifySchema } from 'fastify';
import path from 'node:path';
import { ping } from '../db/index.js';
import type { AppContext } from '../services.js';
import errorPages, { frameworkError } from './plugins/errors.js';
import { createHandlebars, partials, TEMPLATES_DIR } from './view.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** Every route as registered, with its schema (tests walk it: hostile input, headers). */
    routeTable: { method: string; url: string; schema: FastifySchema | undefined }[];
  }
}

/** /readyz answers within this even when the database does not (a load balancer must not hang on it). */
export const READY_TIMEOUT_MS = 2000;

/** Resolves with the promise's value, or rejects after `ms` (the promise itself keeps running). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generic.
    loggerInstance: ctx.logger as FastifyBaseLogger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 30 * 1024 * 1024,
    return503OnClosing: true,
    frameworkErrors: frameworkError,
    // Route modules are imported lazily; on a loaded machine that can pass the 10 s default.
    pluginTimeout: 60_000,
  });
  app.decorate('ctx', ctx);
  app.decorate('routeTable', [] as FastifyInstance['routeTable']);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      app.routeTable.push({ method, url: route.url, schema: route.schema });
    }
  });

  await app.register(formbody);
  await app.register(fastifyStatic, {
    root: path.join(TEMPLATES_DIR, 'static'),
    prefix: '/static/',
    maxAge: ctx.config.env === 'production' ? '1d' : 0,
  });
  await app.register(view, {
    engine: { handlebars: createHandlebars() },
    root: TEMPLATES_DIR,
    layout: 'layouts/main.hbs',
    production: ctx.config.env === 'production',
    options: { partials: partials() },
    defaultContext: { appName: 'Listkeeper' },
  });
  await app.register(errorPages);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await within(ping(ctx.db), READY_TIMEOUT_MS, 'database');
      return { status: 'ok', database: { engine: ctx.engine, reachable: true } };
    } catch (err) {
      // The cause (host names, database names) goes to the log, not to whoever asks.
      req.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', database: { engine: ctx.engine, reachable: false } });
    }
  });

  // Sessions, CSRF and roles for every staff route (config.access); see plugins/auth.ts for the API.
  const { default: authPlugin } = await import('./plugins/auth.js');
  await app.register(authPlugin);

  // Route modules by audience; each registers its own routes and schemas.
  const { default: publicRoutes } = await import('./routes/public/index.js');
  await app.register(publicRoutes);
  const { default: adminRoutes } = await import('./routes/admin/index.js');
  await app.register(adminRoutes);
  await app.register((await import('./routes/desk/index.js')).default);
  await app.register((await import('./routes/public/subscribe.js')).default);
  await app.register((await import('./routes/api/inbound.js')).default);
  await app.register((await import('./routes/public/links.js')).default);
  await app.register((await import('./routes/api/posts.js')).default);

  return app;
}
