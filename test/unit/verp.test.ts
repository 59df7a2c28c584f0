import { describe, expect, it } from 'vitest';
import { decodeVerp, encodeVerp, parseTracking, trackingValue } from '../../src/bounce/verp.js';

const opts = { bounceDomain: 'lists.example.test', secret: 'a-secret-that-is-long-enough-for-tests' };

describe('VERP return paths', () => {
  it('encodes list, local part and domain, and decodes them back', () => {
    const ret = encodeVerp('dev', { address: 'Alice@Example.org', memberId: 7 }, opts);
    expect(ret).toBe('dev-bounces+alice=example.org@lists.example.test');
    expect(decodeVerp(ret, opts)).toEqual({ listName: 'dev', address: 'alice@example.org', memberId: null });
  });

  it('keeps list names with dashes and local parts with equals signs', () => {
    const ret = encodeVerp('my-list', { address: 'a=b@example.org', memberId: 1 }, opts);
    expect(decodeVerp(ret, opts)).toEqual({ listName: 'my-list', address: 'a=b@example.org', memberId: null });
  });

  it('uses a signed token when the local part would pass 64 characters', () => {
    const long = `${'x'.repeat(60)}@example.org`;
    const ret = encodeVerp('dev', { address: long, memberId: 42 }, opts);
    expect(ret.split('@')[0].length).toBeLessThanOrEqual(64);
    expect(decodeVerp(ret, opts)).toEqual({ listName: 'dev', address: null, memberId: 42 });
  });

  it('refuses a token with a forged signature, another host, or no bounce marker', () => {
    const ret = encodeVerp('dev', { address: `${'x'.repeat(60)}@example.org`, memberId: 42 }, opts);
    expect(decodeVerp(ret.replace('+t.42.', '+t.43.'), opts)).toBeNull();
    expect(decodeVerp('dev-bounces+a=b.org@elsewhere.test', opts)).toBeNull();
    expect(decodeVerp('dev@lists.example.test', opts)).toBeNull();
    expect(decodeVerp('dev-bounces+nodomain@lists.example.test', opts)).toBeNull();
  });

  it('signs tracking values and refuses altered ones', () => {
    const v = trackingValue('post', 123, opts.secret);
    expect(parseTracking(v, opts.secret)).toEqual({ kind: 'post', id: 123 });
    expect(parseTracking(v.replace('d123', 'd124'), opts.secret)).toBeNull();
    expect(parseTracking('garbage', opts.secret)).toBeNull();
  });
});
