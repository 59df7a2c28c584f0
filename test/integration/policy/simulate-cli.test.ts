// `npm run simulate` as a user runs it: a file or stdin in, JSON out; bad input exits 1 naming the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function simulate(args: string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 180_000 });
}

describe('the simulate command', () => {
  it('reads a scenario file and prints the days as JSON', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-sim-'));
    const file = path.join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify({ members: ['a@example.org'], events: [0, 1, 2, 3, 4].map((day) => ({ day, address: 'a@example.org', category: 'hard' })), days: 5 }));
    const r = simulate([file, '--compact']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.days).toHaveLength(5);
    expect(out.days[4].members['a@example.org']).toEqual({ score: 5, status: 'disabled_by_bounce', warnings_sent: 1 });
    expect(out.days[4].notices).toContainEqual({ to: 'member', address: 'a@example.org', type: 'disabled' });
  }, 200_000);

  it('exits 1 with a message naming the field of bad input (stdin)', () => {
    const r = simulate([], JSON.stringify({ members: ['a@example.org'], events: [{ day: 0, address: 'a@example.org', category: 'firm' }], days: 3 }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/events\[0\]\.category: must be one of hard, soft, blocked/);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('exits 1 on JSON that does not parse', () => {
    const r = simulate(['-'], '{"members": [');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not valid JSON/);
  }, 60_000);
});
