// `npm start` on a fresh clone: install dependencies when missing, then run the app (TypeScript via tsx).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deps = spawnSync(process.execPath, [path.join(root, 'scripts/ensure-deps.mjs')], { stdio: 'inherit', cwd: root });
if (deps.status !== 0) process.exit(deps.status ?? 1);

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
