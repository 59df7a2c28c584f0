// What a newcomer gets from `npm start` (PGlite in a data folder, file outbox), as a real `npm` process: sign in,
// create a list, import CSVs, ingest a bounce with the CLI beside the running server, file modes, and SIGTERM to
// the npm process itself.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDsn } from '../intake/fixtures.js';
import { freePort, root, spawnApp, waitReady, type Running } from './app-process.js';

const npm = (args: string[], env: Record<string, string>): Running => spawnApp('npm', args, env);

function npmSync(args: string[], env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync('npm', ['--silent', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A browser's worth of HTTP: cookies kept, redirects not followed. */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(url, this.base), { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }

  async csrf(url: string): Promise<string> {
    const html = await (await this.fetch(url)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no CSRF token on ${url}: ${html.slice(0, 300)}`);
    return m[1];
  }

  async post(url: string, fields: Record<string, string>, from = url): Promise<Response> {
    const body = new URLSearchParams({ _csrf: await this.csrf(from), ...fields });
    return this.fetch(url, { method: 'POST', body });
  }
}

describe('npm start, as a newcomer runs it', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let url: string;
  let app: Running;
  let browser: Browser;
  let listId: number;

  beforeAll(async () => {
    dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'lk-npm-start-')), 'data');
    const port = await freePort();
    env = { DATA_DIR: dataDir, PORT: String(port) };
    url = `http://127.0.0.1:${port}`;
    app = npm(['start'], env);
    await waitReady(url, app, 90_000);
    browser = new Browser(url);
  }, 120_000);

  afterAll(() => {
    if (app?.child.exitCode === null) app.child.kill('SIGKILL');
  });

  it('signs in as the printed first admin, changes the password and creates a list', async () => {
    const password = /password: (\S+)/.exec(app.output())?.[1];
    expect(password).toBeTruthy();
    const login = await browser.post('/login', { email: 'admin@localhost', password: password! });
    expect(login.status).toBe(303);
    const changed = await browser.post('/account/password', { current: password!, password: 'a new long passphrase', confirm: 'a new long passphrase' });
    expect(changed.status).toBe(303);
    const created = await browser.post('/admin/lists', { name: 'friends', display_name: 'Friends' }, '/admin/lists/new');
    expect(created.status).toBe(303);
    listId = Number(/\/admin\/lists\/(\d+)/.exec(created.headers.get('location') ?? '')?.[1]);
    expect(listId).toBeGreaterThan(0);
  });

  it.each([1, 2000])('imports a %i-row CSV while every other page keeps answering', async (rows) => {
    const csv = Array.from({ length: rows }, (_, i) => `p${rows}-${i}@example.org,Person ${i}`).join('\n');
    const form = new FormData();
    form.set('_csrf', await browser.csrf(`/admin/lists/${listId}/import`));
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
    const res = await browser.fetch(`/admin/lists/${listId}/import`, { method: 'POST', body: form });
    expect(res.status).toBe(303);
    const report = res.headers.get('location')!;
    let state: { state: string; added: number } = { state: 'running', added: 0 };
    const until = Date.now() + 30_000;
    while (state.state === 'running' && Date.now() < until) {
      expect((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
      state = (await (await browser.fetch(`${report}/status`, { signal: AbortSignal.timeout(5000) })).json()) as typeof state;
    }
    expect(state).toMatchObject({ state: 'succeeded', added: rows });
    const page = await browser.fetch(`/admin/lists/${listId}`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
  }, 60_000);

  it('`npm run ingest` beside the running server hands the bounce to it: stored once, scored, and known afterwards', () => {
    const file = path.join(path.dirname(dataDir), 'bounce.eml');
    writeFileSync(file, makeDsn({ to: 'friends-bounces+p1-0=example.org@lists.localhost', recipient: 'p1-0@example.org' }));
    const first = npmSync(['run', 'ingest', '--', file], env);
    expect(first.output).toContain('handing the messages to it');
    expect(first.output).toMatch(/processed → Processed \(#\d+; bounce, 1 event\(s\), 1 scored\)/);
    expect(first.status).toBe(0);
    const again = npmSync(['run', 'ingest', '--', file], env);
    expect(again.output).toContain('already handled');
    expect(again.status).toBe(0);
  }, 120_000);

  it('`npm run migrate` beside the running server refuses, saying who holds the database', () => {
    const r = npmSync(['run', 'migrate'], env);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/in use by another process \(pid \d+, serving http:\/\/127\.0\.0\.1:\d+\)/);
  }, 120_000);

  it('keeps the data folder private: folders 0700, files 0600', () => {
    const open = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .map((e) => path.join(e.parentPath, e.name))
      .filter((f) => (statSync(f).mode & 0o077) !== 0);
    expect(open).toEqual([]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('SIGTERM to the npm process reaches the app, which stops cleanly and frees the folder', async () => {
    const lock = path.join(dataDir, 'pglite.lock');
    expect(existsSync(lock)).toBe(true);
    app.child.kill('SIGTERM');
    const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(code).toBe(0);
    expect(app.output()).toContain('"msg":"stopped"');
    expect(existsSync(lock)).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 40_000);
});
