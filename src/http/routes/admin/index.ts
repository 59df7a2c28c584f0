// Every module in this folder (except index and _helpers) is a route plugin for staff pages: registered here, in file-name order,
// so a new page file needs no edit to a shared file. Each route declares config.access (plugins/auth.ts).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));

const adminRoutes: FastifyPluginAsync = async (app) => {
  const files = readdirSync(here)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/^(index\.|_)/.test(f) && !/\.test\./.test(f))
    .sort();
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { default?: FastifyPluginAsync };
    if (typeof mod.default === 'function') await app.register(mod.default);
  }
};

export default adminRoutes;
