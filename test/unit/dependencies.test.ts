// Every installed package supports the Node.js version package.json promises (npm ci prints no EBADENGINE), and
// each package is in its right section: what the app imports at run time in `dependencies`, the rest in dev.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean }>;
};

describe('dependencies', () => {
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it(`support the oldest Node.js package.json allows (${oldest})`, () => {
    const unsupported = Object.entries(lock.packages)
      .filter(([name, meta]) => name !== '' && !meta.optional)
      .map(([name, meta]) => ({ name: name.replace(/^.*node_modules\//, ''), version: meta.version, node: Array.isArray(meta.engines) ? undefined : meta.engines?.node }))
      .filter((p) => p.node !== undefined && !semver.satisfies(oldest, p.node, { includePrerelease: true }))
      .map((p) => `${p.name}@${p.version} needs node ${p.node}`);
    expect(unsupported).toEqual([]);
  });

  it('README names the same Node.js version as package.json', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js ≥ ${oldest.replace(/\.0$/, '')}`);
  });

  // What `npm start`, `npm run migrate` and `npm run ingest` load: src/ and the scripts those commands run.
  const runtimeFiles = (rel: string): string[] =>
    statSync(path.join(root, rel)).isDirectory()
      ? readdirSync(path.join(root, rel)).flatMap((f) => runtimeFiles(path.join(rel, f)))
      : /\.(ts|mjs)$/.test(rel)
        ? [rel]
        : [];
  const imported = new Set(
    ['src', 'scripts/start.mjs', 'scripts/migrate.ts', 'scripts/ingest.ts', 'scripts/ensure-deps.mjs']
      .flatMap(runtimeFiles)
      .flatMap((f) => [...readFileSync(path.join(root, f), 'utf8').matchAll(/(?:from |import\()'([^.'/][^']*)'/g)])
      .map((m) => m[1]!)
      .filter((spec) => !spec.startsWith('node:'))
      .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)),
  );

  it('every package the app imports at run time is a dependency, not a dev dependency', () => {
    expect([...imported].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });

  it('every dependency is imported at run time (else it belongs in devDependencies)', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => !imported.has(name)).sort()).toEqual([]);
  });
});
