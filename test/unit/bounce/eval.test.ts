// Runs bounce-eval on the labelled corpus (../shared/bounce-corpus relative to the repo root) and
// fails below the targets of issue 3. Skipped, visibly, on a machine without the corpus.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');
const corpus = resolve(root, '..', 'shared', 'bounce-corpus');
const evalScript = resolve(root, '..', 'shared', 'bounce-eval', 'bounce-eval.js');
const present = existsSync(join(corpus, 'labels.jsonl')) && existsSync(evalScript);
if (!present) console.warn(`[bounce eval] corpus or bounce-eval not found (${corpus}, ${evalScript}): the eval test is skipped`);

// The part of bounce-eval's --json output the targets need (fractions, not percentages).
interface EvalJson {
  summary: { bounceP: number; addrP: number; addrR: number; categoryAcc: number };
  confusion: Record<string, Record<string, number>>;
  bySet: Record<string, { aTp: number; aFn: number }>;
}

describe.skipIf(!present)('bounce-eval on the labelled corpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bounce-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let result: EvalJson | null = null;
  const run = (): EvalJson => {
    if (result) return result;
    const out = join(dir, 'eval.json');
    const text = execFileSync(
      process.execPath,
      [evalScript, '--json', out, corpus, '--', process.execPath, '--import', 'tsx', join(root, 'scripts', 'classify.ts')],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
    );
    console.log(text.split('\n').filter((l) => l.startsWith('SUMMARY'))[0] ?? text.slice(-2000));
    result = JSON.parse(readFileSync(out, 'utf8')) as EvalJson;
    return result;
  };

  test('address recall >= 97% and precision >= 99.5%', () => {
    const r = run();
    expect(r.summary.addrR).toBeGreaterThanOrEqual(0.97);
    expect(r.summary.addrP).toBeGreaterThanOrEqual(0.995);
  }, 600_000);

  test('no label set below 93% address recall', () => {
    const r = run();
    const recall = Object.fromEntries(Object.entries(r.bySet).map(([set, s]) => [set, s.aTp / Math.max(1, s.aTp + s.aFn)]));
    for (const [set, value] of Object.entries(recall)) expect({ set, ok: value >= 0.93, value }).toMatchObject({ set, ok: true });
  }, 600_000);

  test('bounce detection precision >= 99.5%; no auto-reply or complaint called a bounce', () => {
    const r = run();
    expect(r.summary.bounceP).toBeGreaterThanOrEqual(0.995);
    const m = r.confusion;
    for (const expected of ['autoreply', 'complaint']) {
      expect([expected, (m[expected]?.bounce ?? 0) + (m[expected]?.delay ?? 0)]).toEqual([expected, 0]);
    }
  }, 600_000);

  test('category accuracy (hard/soft/blocked) >= 95%', () => {
    const r = run();
    expect(r.summary.categoryAcc).toBeGreaterThanOrEqual(0.95);
  }, 600_000);
});

