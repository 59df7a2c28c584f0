// Every installed package supports the Node.js version package.json promises (npm ci prints no EBADENGINE).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
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
});
