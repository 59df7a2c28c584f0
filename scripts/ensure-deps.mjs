// Installs the npm dependencies when they are missing or older than package-lock.json (plain Node, no deps).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

function reason() {
  if (!existsSync(path.join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installed)) return 'node_modules was not installed by npm';
  if (statSync(lockFile).mtimeMs <= statSync(installed).mtimeMs) return null;
  // The lock file is newer: reinstall only if it asks for something that is not installed
  // (npm install itself may write package-lock.json a moment after node_modules/.package-lock.json).
  const want = JSON.parse(readFileSync(lockFile, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  for (const [key, meta] of Object.entries(want)) {
    if (key === '' || meta.optional || meta.link) continue;
    if (have[key]?.version !== meta.version) return `package-lock.json wants ${key}@${meta.version}`;
  }
  return null;
}

const why = reason();
if (why !== null) {
  console.error(`[deps] ${why}: running npm ci`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[deps] npm ci failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}
