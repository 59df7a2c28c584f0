// Mutated corpus messages and hostile inputs: the classifier never throws, never hangs, and returns
// a well-formed result. Uses the labelled corpus when present, else the project's own messages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import type { Classification } from '../../../src/bounce/types.js';
import { dsn, notice } from './messages.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const corpusDir = resolve(root, '..', 'shared', 'bounce-corpus', 'messages');
const corpusFiles = existsSync(corpusDir) ? readdirSync(corpusDir).filter((f) => f.endsWith('.eml')).sort() : [];
if (corpusFiles.length === 0) console.warn(`[bounce fuzz] no corpus at ${corpusDir}: fuzzing the project's own messages only`);

const seeds: Buffer[] = [
  ...corpusFiles.filter((_f, i) => i % 4 === 0).map((f) => readFileSync(join(corpusDir, f))),
  dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.1.1' }] }),
  notice({ subject: 'failure notice', body: '<ann@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n' }),
];

const KINDS = new Set(['bounce', 'delay', 'complaint', 'autoreply', 'other']);
const CATEGORIES = new Set(['hard', 'soft', 'blocked']);

function assertSane(c: Classification): void {
  expect(KINDS.has(c.kind)).toBe(true);
  expect(typeof c.detector).toBe('string');
  // The last-resort guard in classify() must never be what saved us.
  expect(c.detector).not.toMatch(/internal error/);
  expect(Array.isArray(c.recipients)).toBe(true);
  expect(c.recipients.length).toBeLessThanOrEqual(500);
  for (const r of c.recipients) {
    expect(r.address).toMatch(/^[^\s@<>]+@[^\s@<>]+$/);
    expect(r.address).toBe(r.address.toLowerCase());
    expect(CATEGORIES.has(r.category)).toBe(true);
    expect((r.diagnostic ?? '').length).toBeLessThanOrEqual(1000);
  }
  if (c.kind === 'autoreply' || c.kind === 'other') expect(c.recipients).toEqual([]);
  expect(Array.isArray(c.ids.deliveredTo)).toBe(true);
}

const mutation = fc.oneof(
  // truncation anywhere
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  // binary noise spliced in
  fc.record({ kind: fc.constant('noise' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }) }),
  // a charset nobody knows, or a lying one
  fc.record({ kind: fc.constant('charset' as const), name: fc.constantFrom('x-klingon', 'utf-7', 'iso-2022-jp', 'utf-16', '', '"; boundary="', 'unknown-8bit') }),
  // boundaries broken: removed, changed, or the closing one dropped
  fc.record({ kind: fc.constant('boundary' as const), how: fc.constantFrom('remove', 'change', 'unclose') }),
  // a byte flipped
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(seed: Buffer, m: Mutation): Buffer {
  const s = seed.toString('latin1');
  switch (m.kind) {
    case 'truncate':
      return seed.subarray(0, Math.floor(seed.length * m.at));
    case 'noise': {
      const i = Math.floor(seed.length * m.at);
      return Buffer.concat([seed.subarray(0, i), Buffer.from(m.bytes), seed.subarray(i)]);
    }
    case 'charset':
      return Buffer.from(s.replace(/charset="?[^";\s]*"?/gi, `charset=${m.name}`), 'latin1');
    case 'boundary': {
      const b = /boundary="?([^";\s]+)"?/i.exec(s)?.[1];
      if (!b) return seed;
      if (m.how === 'remove') return Buffer.from(s.split(`--${b}`).join(''), 'latin1');
      if (m.how === 'change') return Buffer.from(s.replace(/boundary="?[^";\s]+"?/i, 'boundary="nope"'), 'latin1');
      return Buffer.from(s.split(`--${b}--`).join(''), 'latin1');
    }
    case 'flip': {
      const out = Buffer.from(seed);
      if (out.length > 0) out[Math.min(out.length - 1, Math.floor(out.length * m.at))] = m.value;
      return out;
    }
  }
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'noise'; at: number; bytes: Uint8Array }
  | { kind: 'charset'; name: string }
  | { kind: 'boundary'; how: 'remove' | 'change' | 'unclose' }
  | { kind: 'flip'; at: number; value: number };

describe('the classifier on mutated and hostile input', () => {
  test('mutated corpus messages: no throw, a sane result', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
        let msg = seeds[i];
        for (const m of ms) msg = mutate(msg, m as Mutation);
        assertSane(classify(msg));
      }),
      { numRuns: 1500 },
    );
  });

  test('random bytes and random text: no throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => assertSane(classify(bytes))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => assertSane(classify(Buffer.from(text)))),
      { numRuns: 500 },
    );
  });

  test('a 50 MB message is classified within the size budget', () => {
    const head = dsn({ recipients: [{ address: 'ann@example.org', action: 'failed', status: '5.1.1' }], returned: 'none' }).toString('latin1');
    const big = Buffer.alloc(50 * 1024 * 1024, 'A');
    const msg = Buffer.concat([Buffer.from(head.replace(/--B0UND4RY-x1--\s*$/, '--B0UND4RY-x1\r\nContent-Type: text/plain\r\n\r\n'), 'latin1'), big]);
    const t = performance.now();
    const c = classify(msg);
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(c.kind).toBe('bounce');
    expect(c.recipients[0].address).toBe('ann@example.org');
    expect(c.detector).toContain('size');
  });

  test('a 10,000-part multipart is refused past the part limit, quickly', () => {
    const parts = Array.from({ length: 10_000 }, (_, i) => `--P\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const msg = Buffer.from(`From: x@example.com\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=P\r\n\r\n${parts}--P--\r\n`);
    const t = performance.now();
    const c = classify(msg);
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(c.kind).toBe('other');
    expect(c.detector).toMatch(/parts/);
  });

  test('deep nesting and pathological lines do not hang', () => {
    let nested = 'From: x@example.com\r\nSubject: deep\r\nContent-Type: text/plain\r\n\r\nbottom';
    for (let i = 0; i < 200; i++) nested = `Content-Type: message/rfc822\r\n\r\n${nested}`;
    const cases = [
      Buffer.from(`From: MAILER-DAEMON@x\r\nSubject: Undelivered\r\n\r\n${'<'.repeat(200_000)}@${'a.'.repeat(50_000)}`),
      Buffer.from(`From: MAILER-DAEMON@x\r\nSubject: failure notice\r\n\r\n${'a'.repeat(300_000)}@\r\n${'@'.repeat(100_000)}`),
      Buffer.from(`From: a@b\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n--\r\n`),
      Buffer.from(`${'X-H: v\r\n'.repeat(20_000)}\r\nbody`),
      Buffer.from(nested),
      Buffer.from(`From: MAILER-DAEMON@x\r\nSubject: Undeliverable\r\n\r\n${'did not reach the following recipient(s): '.repeat(20_000)}`),
    ];
    for (const m of cases) {
      const t = performance.now();
      assertSane(classify(m));
      expect(performance.now() - t).toBeLessThan(5_000);
    }
  });
});
