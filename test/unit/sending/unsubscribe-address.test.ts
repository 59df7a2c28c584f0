// The signed mailto: address of List-Unsubscribe: bound to list and member, case-insensitive, never throws.
import { describe, expect, it } from 'vitest';
import { readUnsubscribeAddress, unsubscribeAddress } from '../../../src/links/index.js';

const opts = { bounceDomain: 'lists.example.org', secret: 'test-secret-key-0123456789abcdefghijklmnop' };

describe('unsubscribe address', () => {
  it('round-trips, whatever the case the mail system gives it back in', () => {
    const a = unsubscribeAddress('news', 42, opts);
    expect(a).toMatch(/^news-unsubscribe\+42\.[0-9a-f]{16}@lists\.example\.org$/);
    expect(readUnsubscribeAddress(a, opts)).toEqual({ listName: 'news', memberId: 42 });
    expect(readUnsubscribeAddress(`<${a.toUpperCase()}>`, opts)).toEqual({ listName: 'news', memberId: 42 });
  });

  it('is ours but not signed when altered, moved to another member or list, or unsigned', () => {
    const a = unsubscribeAddress('news', 42, opts);
    const sig = /\.([0-9a-f]{16})@/.exec(a)?.[1] as string;
    expect(readUnsubscribeAddress(a.replace('+42.', '+43.'), opts)).toEqual({ listName: 'news', memberId: null });
    expect(readUnsubscribeAddress(a.replace('news-', 'old-'), opts)).toEqual({ listName: 'old', memberId: null });
    expect(readUnsubscribeAddress(a.replace(sig, '0'.repeat(16)), opts)).toEqual({ listName: 'news', memberId: null });
    expect(readUnsubscribeAddress('news-unsubscribe@lists.example.org', opts)).toEqual({ listName: 'news', memberId: null });
    expect(readUnsubscribeAddress('news-unsubscribe+x@lists.example.org', opts)).toEqual({ listName: 'news', memberId: null });
    expect(readUnsubscribeAddress(unsubscribeAddress('news', 42, { ...opts, secret: 'another-secret-0123456789abcdefghijkl' }), opts)).toEqual({
      listName: 'news',
      memberId: null,
    });
  });

  it('is not ours on another host or without the -unsubscribe suffix', () => {
    expect(readUnsubscribeAddress(unsubscribeAddress('news', 42, { ...opts, bounceDomain: 'example.net' }), opts)).toBeNull();
    expect(readUnsubscribeAddress('news-bounces+a=b.org@lists.example.org', opts)).toBeNull();
    expect(readUnsubscribeAddress('news@lists.example.org', opts)).toBeNull();
    expect(readUnsubscribeAddress('not an address', opts)).toBeNull();
  });
});
