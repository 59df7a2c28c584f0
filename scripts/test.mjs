// `npm test`: dependencies, type check, then the whole vitest suite on real services (test/env/global-setup.ts).
// Extra arguments go to vitest (`npm test -- test/unit` runs only those files). SKIP_TYPECHECK=1 skips tsc.
// `--unit` (npm run test:unit) runs only the pure tests in test/unit and starts no service.
// The last line is always `N passed, N failed, N skipped` (CI reads it); the exit code is non-zero if anything failed,
// the type check failed, or no test ran.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');
const vitestArgs = process.argv.slice(2).filter((a) => a !== '--unit');
const resultFile = path.join(root, '.vitest-result.json');
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
const seconds = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

const deps = run([path.join(root, 'scripts/ensure-deps.mjs')]);
if (deps.status !== 0) {
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

// The type check runs alongside the tests (most of them wait on services, not the CPU); its output comes after.
const typecheck =
  process.env.SKIP_TYPECHECK === '1'
    ? null
    : new Promise((resolve) => {
        const t = performance.now();
        const child = spawn(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('error', (err) => resolve({ ok: false, out: String(err), time: seconds(t) }));
        child.on('exit', (code) => resolve({ ok: code === 0, out, time: seconds(t) }));
      });

rmSync(resultFile, { force: true });
const vitestExit = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${resultFile}`,
      ...vitestArgs,
    ],
    { cwd: root, stdio: 'inherit', env: unitOnly ? { ...process.env, LK_UNIT_ONLY: '1' } : process.env },
  );
  child.on('error', () => resolve(1));
  child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
const vitest = { status: vitestExit, signal: null };

let typecheckFailed = false;
if (typecheck) {
  const tc = await typecheck;
  if (tc.out.trim()) process.stdout.write(tc.out.endsWith('\n') ? tc.out : `${tc.out}\n`);
  typecheckFailed = !tc.ok;
  console.log(typecheckFailed ? `type check FAILED (${tc.time})` : `type check passed (${tc.time})`);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];
if (existsSync(resultFile)) {
  const r = JSON.parse(readFileSync(resultFile, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A file that fails to load has no test results of its own: count it as one failure.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  );
  for (const f of brokenFiles) notes.push(`file failed outside its tests: ${path.relative(root, f.name)}`);
  failed += brokenFiles.length;
} else {
  notes.push('vitest wrote no results (the test setup probably failed; see above)');
}
if (vitest.status !== 0 && failed === 0) {
  notes.push(`vitest exited with ${vitest.status ?? vitest.signal} (an error outside the tests; see above)`);
  failed += 1;
}
if (typecheckFailed) {
  notes.push('the type check failed (counted as one failure)');
  failed += 1;
}
if (passed + failed === 0) notes.push('no test ran');
for (const n of notes) console.log(n);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
