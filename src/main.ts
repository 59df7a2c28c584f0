// `npm start`: migrate, make sure there is a site admin, serve, run the background workers; stop cleanly on a signal.
import { startBackground } from './background.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { buildApp } from './http/app.js';
import { createServices } from './services.js';
import { ensureFirstAdmin } from './staff/bootstrap.js';

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const services = await createServices(config);
  const { logger } = services;
  const admin = await ensureFirstAdmin(services);
  const app = await buildApp(services);
  await app.listen({ host: config.host, port: config.port });
  const stopBackground = await startBackground(services);

  if (admin) {
    // Printed once, at creation: the password is not stored anywhere in clear.
    console.log(
      [
        '',
        '  A first site admin was created. Sign in at:',
        `    ${config.baseUrl}/login`,
        `    email:    ${admin.email}`,
        `    password: ${admin.password}`,
        '  You will be asked to change the password.',
        '',
      ].join('\n'),
    );
  }
  logger.info(
    { url: config.baseUrl, database: services.engine, smtp: config.smtpUrl ? 'smtp' : 'file outbox' },
    'Listkeeper is running',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await app.close(); // stops accepting, finishes in-flight requests
      await stopBackground();
      await services.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
