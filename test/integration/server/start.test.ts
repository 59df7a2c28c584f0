// `npm start`'s entry point as a real process on the embedded database: boot, serve, print the admin once, stop cleanly.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, root, spawnApp, waitReady as waitReadyFor, type Running } from './app-process.js';

const startApp = (env: Record<string, string>): Running =>
  spawnApp(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], env);
const waitReady = (url: string, app: Running) => waitReadyFor(url, app, 60_000);

describe('npm start on the embedded database', () => {
  const running: Running[] = [];
  afterAll(() => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });

  it('serves the login page on PGlite, prints the first admin once, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lk-start-'));
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };
    const url = `http://127.0.0.1:${port}`;

    const first = startApp(env);
    running.push(first);
    await waitReady(url, first);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { database: { engine: string } };
    expect(ready.database.engine).toBe('pglite');
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Sign in');
    expect(first.output()).toMatch(/password: \S{8,}/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopped');

    const second = startApp(env);
    running.push(second);
    await waitReady(url, second);
    expect(second.output()).not.toContain('first site admin was created');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000); // two cold starts of a process on PGlite, while the rest of the suite runs beside it

  it('refuses a bad variable with a message naming it', async () => {
    const app = startApp({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'lk-start-')), PORT: 'eighty' });
    running.push(app);
    expect(await app.exited).toBe(2);
    expect(app.output()).toContain('Configuration error: PORT');
  }, 60_000);
});
