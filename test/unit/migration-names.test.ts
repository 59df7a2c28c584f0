// The numbering rule of migrations/ (README, "Configuration"): 0001, 0002, … with no gap and no repeat.
import { readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';

test('migrations are numbered 0001… consecutively, one file per number, with a name that says what it does', () => {
  const files = readdirSync(MIGRATIONS_DIR).sort();
  for (const f of files) expect(f).toMatch(/^\d{4}_[a-z0-9_]+\.ts$/);
  const numbers = files.map((f) => Number(f.slice(0, 4)));
  expect(numbers).toEqual(numbers.map((_, i) => i + 1));
});
