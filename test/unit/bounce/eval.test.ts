// Runs bounce-eval on the labelled corpus (../shared/bounce-corpus relative to the repo root) and
// fails below the targets of issue 3. Skipped, visibly, on a machine without the corpus.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import { categoryOf } from '../../../src/bounce/reasons/index.js';
import type { Category, Reason } from '../../../src/bounce/types.js';

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

  test('category accuracy (hard/soft/blocked) >= 95% on the labels, where the specification corrects them', () => {
    // The corpus labels are Sisimai's results; where they contradict bounce-policy.md §1 (an unknown
    // user with a generic status is hard, a 4.x.x final failure that names no refusal of us is soft) the recipient counts with
    // the specification's category. spec-departures.json lists each one with the rule it follows.
    const departures = JSON.parse(readFileSync(join(import.meta.dirname, 'spec-departures.json'), 'utf8')) as {
      recipients: Array<{ file: string; address: string; spec: Category }>;
    };
    const spec = new Map(departures.recipients.map((d) => [`${d.file} ${d.address}`, d.spec]));
    let n = 0;
    let ok = 0;
    for (const line of readFileSync(join(corpus, 'labels.jsonl'), 'utf8').trim().split('\n')) {
      const label = JSON.parse(line) as Label;
      if (label.kind !== 'bounce') continue;
      const c = classify(readFileSync(join(corpus, label.file)));
      if (c.kind !== 'bounce') continue;
      for (const r of label.recipients) {
        if (!r.reason || !r.address) continue;
        const got = c.recipients.find((x) => x.address === r.address || (r.alt ?? []).includes(x.address));
        if (!got) continue;
        n++;
        const expected = spec.get(`${label.file} ${r.address}`) ?? categoryOf(r.reason as Reason);
        if (got.category === expected) ok++;
      }
    }
    console.log(`category on spec-corrected labels: ${ok}/${n}`);
    expect(ok / n).toBeGreaterThanOrEqual(0.95);
    // On the raw labels the departures cost about 8 points; this floor only guards against regressions.
    expect(run().summary.categoryAcc).toBeGreaterThanOrEqual(0.9);
  }, 600_000);
});

interface Label {
  file: string;
  kind: string;
  recipients: Array<{ address: string | null; alt?: string[]; reason?: string | null }>;
}


// Notices made by real MTAs against the scripted SMTP sink, labelled by construction
// (test/fixtures/mta, regenerated by scripts/mta-fixtures). The bars of issue 13 for real Postfix DSNs.
const fixtures = resolve(root, 'test', 'fixtures', 'mta');
const fixturesPresent = existsSync(join(fixtures, 'labels.jsonl')) && existsSync(evalScript);

describe.skipIf(!fixturesPresent)('bounce-eval on the real-MTA fixtures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bounce-eval-mta-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('addresses >= 99.5% recall and precision, category >= 97%, no delay scored and no failure called a delay', () => {
    const out = join(dir, 'eval.json');
    execFileSync(process.execPath, [evalScript, '--json', out, fixtures, '--', process.execPath, '--import', 'tsx', join(root, 'scripts', 'classify.ts')], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as EvalJson;
    expect(r.summary.addrR).toBeGreaterThanOrEqual(0.995);
    expect(r.summary.addrP).toBeGreaterThanOrEqual(0.995);
    expect(r.summary.categoryAcc).toBeGreaterThanOrEqual(0.97);
    expect(r.confusion.delay?.bounce ?? 0).toBe(0);
    expect(r.confusion.bounce?.delay ?? 0).toBe(0);
  }, 600_000);
});
