import { describe, expect, it } from 'vitest';
import { linkToken, linkUrl, verifyLink } from '../../../src/links/index.js';

const config = { baseUrl: 'https://lists.example.org', secretKey: 'unit-secret-0123456789abcdefghijklmnopqrstuv' };

describe('signed links', () => {
  it('round-trips action, member and list', () => {
    const url = linkUrl(config, 'reenable', 42, 7, '2026-03-01');
    expect(url).toMatch(/^https:\/\/lists\.example\.org\/s\/reenable\/r\.42\.7\.\d{8}\.[A-Za-z0-9_-]{22}$/);
    const token = url.split('/').pop()!;
    expect(verifyLink(config, 'reenable', token, '2026-03-01')).toEqual({ ok: true, action: 'reenable', memberId: 42, listId: 7, expires: '2026-04-30' });
  });

  it('refuses a token moved to another member, list or expiry', () => {
    const token = linkToken(config.secretKey, 'unsubscribe', 42, 7, '2026-03-01');
    const [a, m, l, e, sig] = token.split('.');
    for (const forged of [`${a}.43.${l}.${e}.${sig}`, `${a}.${m}.8.${e}.${sig}`, `${a}.${m}.${l}.29991231.${sig}`]) {
      expect(verifyLink(config, 'unsubscribe', forged, '2026-03-01')).toEqual({ ok: false, error: 'bad_signature' });
    }
  });

  it('refuses another action, another secret, garbage and expired links', () => {
    const token = linkToken(config.secretKey, 'confirm', 1, 2, '2026-03-01');
    expect(verifyLink(config, 'unsubscribe', token, '2026-03-01')).toEqual({ ok: false, error: 'wrong_action' });
    expect(verifyLink({ secretKey: 'another-secret-0123456789abcdefghijklmnop' }, 'confirm', token, '2026-03-01')).toEqual({ ok: false, error: 'bad_signature' });
    expect(verifyLink(config, 'confirm', 'nonsense', '2026-03-01')).toEqual({ ok: false, error: 'malformed' });
    expect(verifyLink(config, 'confirm', `${token}x`, '2026-03-01')).toEqual({ ok: false, error: 'malformed' });
    expect(verifyLink(config, 'confirm', token, '2026-03-08')).toMatchObject({ ok: true });
    expect(verifyLink(config, 'confirm', token, '2026-03-09')).toEqual({ ok: false, error: 'expired' });
  });

  it('unsubscribe links live for years (they sit in old mail)', () => {
    const token = linkToken(config.secretKey, 'unsubscribe', 1, 2, '2026-03-01');
    expect(verifyLink(config, 'unsubscribe', token, '2030-03-01')).toMatchObject({ ok: true });
  });

  it('binds a confirm link to its request: the id round-trips and cannot be moved or dropped', () => {
    const token = linkToken(config.secretKey, 'confirm', 42, 7, '2026-03-01', 9001);
    expect(token).toMatch(/^c\.42\.7\.\d{8}\.9001\.[A-Za-z0-9_-]{22}$/);
    expect(verifyLink(config, 'confirm', token, '2026-03-01')).toEqual({ ok: true, action: 'confirm', memberId: 42, listId: 7, expires: '2026-03-08', requestId: 9001 });
    const [a, m, l, e, , sig] = token.split('.');
    expect(verifyLink(config, 'confirm', `${a}.${m}.${l}.${e}.9002.${sig}`, '2026-03-01')).toEqual({ ok: false, error: 'bad_signature' });
    expect(verifyLink(config, 'confirm', `${a}.${m}.${l}.${e}.${sig}`, '2026-03-01')).toEqual({ ok: false, error: 'bad_signature' });
  });
});
