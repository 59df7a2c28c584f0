import { describe, expect, test } from 'vitest';
import { detectReason } from '../../../../src/bounce/reasons/index.js';

describe('undefined and onhold: a failure whose reason cannot be determined is hard', () => {
  test('no status, no text: undefined', () => {
    expect(detectReason({ status: null, texts: [], final: true })).toMatchObject({ reason: 'undefined', category: 'hard' });
  });
  test.each([
    ['5.0.0', 'something nobody has seen before'],
    [null, '554 Transaction failed'],
  ])('status %s, "%s": onhold (a diagnostic that names nothing known)', (status, text) => {
    expect(detectReason({ status, texts: [text], final: true })).toMatchObject({ reason: 'onhold', category: 'hard' });
  });
});
