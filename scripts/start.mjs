// `npm start` on a fresh clone: install dependencies when missing, then run the app (TypeScript via tsx).
// The app runs in THIS process, not a child: a signal sent to the process npm started (SIGTERM from a process
// manager, Ctrl-C) reaches the app itself, which finishes its work and exits.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deps = spawnSync(process.execPath, [path.join(root, 'scripts/ensure-deps.mjs')], { stdio: 'inherit', cwd: root });
if (deps.status !== 0) process.exit(deps.status ?? 1);

// Imported only now: on a fresh clone tsx has just been installed.
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(path.join(root, 'src/main.ts')).href);
