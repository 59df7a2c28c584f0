// Outage or poison: the error classes that say the database server itself is in trouble.
import { describe, expect, it } from 'vitest';
import { isTransientDbError } from '../../../src/intake/errors.js';

describe('isTransientDbError', () => {
  it('counts connection, resource, system and cancellation errors as an outage', () => {
    for (const code of ['08006', '53100', '53200', '58030', '57014', '57P01', '40001', 'ECONNREFUSED']) {
      expect(isTransientDbError({ code, message: 'x' }), code).toBe(true);
    }
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('counts what a message can cause (data, constraint, raised exception) as poison', () => {
    for (const code of ['22P02', '22021', '23505', '23514', 'P0001', '42703']) {
      expect(isTransientDbError({ code, message: 'x' }), code).toBe(false);
    }
    expect(isTransientDbError(new Error('classifier exploded'))).toBe(false);
  });
});
