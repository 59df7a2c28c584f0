// `npm start`: migrate, make sure there is a site admin, serve, run the background workers; stop cleanly on a signal.
import { chmodSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { startBackground } from './background.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { DataFolderInUseError } from './db/data-lock.js';
import { buildApp } from './http/app.js';
import { importsFinished } from './members/imports.js';
import { createServices } from './services.js';
import { ensureFirstAdmin } from './staff/bootstrap.js';

async function main(): Promise<void> {
  // The data folder holds the database, the secret and the outbox: nothing in it is for other users.
  process.umask(0o077);
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
  // A folder made before this rule, or by hand: its contents stay private whatever their own modes.
  chmodSync(config.dataDir, 0o700);
  let services;
  try {
    services = await createServices(config);
  } catch (err) {
    if (err instanceof DataFolderInUseError) {
      console.error(`Cannot start: ${err.message}. Stop that process first, or give this one another DATA_DIR.`);
      process.exit(1);
    }
    throw err;
  }
  const { logger } = services;
  const admin = await ensureFirstAdmin(services);
  const app = await buildApp(services);
  await app.listen({ host: config.host, port: config.port });
  // Where `npm run ingest` finds this server when it cannot open the embedded database itself.
  services.dataLock?.advertise(localUrl(app.server.address() as AddressInfo));
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
      await importsFinished(services.db); // an import cut off would roll back whole
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

/** This machine's own way to the listening socket (a wildcard address is reached through loopback). */
function localUrl({ address, family, port }: AddressInfo): string {
  if (family === 'IPv6') return `http://[${address === '::' ? '::1' : address}]:${port}`;
  return `http://${address === '0.0.0.0' ? '127.0.0.1' : address}:${port}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
