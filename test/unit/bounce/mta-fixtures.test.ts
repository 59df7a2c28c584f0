// The classifier on real notices from real MTAs (Postfix, Exim, OpenSMTPD, Sendmail) against scripted provider
// replies: test/fixtures/mta, made and labelled by scripts/make-mta-fixtures.ts (npm run fixtures:mta).
// Every notice must get its kind, exactly its failed (or delayed) recipients, and each one's category.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import type { Category, MessageKind } from '../../../src/bounce/types.js';

interface FixtureLabel {
  file: string;
  set: string;
  kind: MessageKind;
  case: string;
  recipients: Array<{ address: string; reason: string; category: Category }>;
}

const dir = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'mta');
const labels: FixtureLabel[] = readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as FixtureLabel);

const sorted = (rs: Array<{ address: string; category: Category }>): string[] =>
  rs.map((r) => `${r.address.toLowerCase()} ${r.category}`).sort();

test('the fixtures are there: four MTAs, bounces and delay warnings', () => {
  expect(new Set(labels.map((l) => l.set))).toEqual(new Set(['postfix', 'exim', 'opensmtpd', 'sendmail']));
  expect(labels.filter((l) => l.kind === 'delay').length).toBeGreaterThan(40);
  expect(labels.length).toBeGreaterThan(250);
});

describe('classify() on real MTA notices', () => {
  test.each(labels.map((l) => [l.file, l] as const))('%s', (_file, label) => {
    const c = classify(readFileSync(path.join(dir, label.file)));
    expect({ kind: c.kind, recipients: sorted(c.recipients) }).toEqual({ kind: label.kind, recipients: sorted(label.recipients) });
  });
});
