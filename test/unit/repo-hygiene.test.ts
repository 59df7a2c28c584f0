// The repo stands alone and says what it reads: every setting src/config.ts reads is documented in .env.example and
// in README's configuration table, and no file carries a path of one machine.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

function filesUnder(rel: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, rel))) {
    const child = path.join(rel, entry);
    if (statSync(path.join(root, child)).isDirectory()) out.push(...filesUnder(child));
    else out.push(child);
  }
  return out;
}

describe('configuration is documented', () => {
  const names = [...read('src/config.ts').matchAll(/\w+\(env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!);
  const readme = read('README.md');
  const configSection = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const envExample = read('.env.example');

  test('src/config.ts reads settings (the pattern below still finds them)', () => {
    expect(names.length).toBeGreaterThan(20);
  });
  test.each([...new Set(names)])('%s is in .env.example and in README\'s configuration table', (name) => {
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    expect(configSection).toContain(`\`${name}\``);
  });
});

test('no absolute path of one machine in README, docs, src, test, scripts, templates or migrations', () => {
  const machinePath = /(?:^|[\s'"`(=:])\/(?:work|home|root|Users|mnt\/[a-z])\//;
  const files = ['README.md', '.env.example', 'package.json', ...['docs', 'src', 'test', 'scripts', 'templates', 'migrations'].flatMap(filesUnder)];
  const offenders = files.filter((f) => machinePath.test(read(f)));
  expect(offenders).toEqual([]);
});
