// Table tests for one reason file: each row is a status (or null) and an SMTP reply or notice text
// that, by that reason's rules, must come out as that reason and its category. Final failures.
import { expect, test } from 'vitest';
import { categoryOf, detectReason } from '../../../../src/bounce/reasons/index.js';
import type { Reason } from '../../../../src/bounce/types.js';

export type Row = readonly [status: string | null, text: string];

export function reasonTable(reason: Reason, rows: readonly Row[]): void {
  test.each(rows)(`${reason}: status %s, %s`, (status, text) => {
    const r = detectReason({ status, texts: [text], final: true });
    expect({ reason: r.reason, category: r.category }).toEqual({ reason, category: categoryOf(reason) });
  });
}
