import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = () => ({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'lk-cfg-')), NODE_ENV: 'test' });

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base(), ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults: PGlite, file outbox, port 3000, hourly job', () => {
    const c = loadConfig(base());
    expect(c.databaseUrl).toBeNull();
    expect(c.smtpUrl).toBeNull();
    expect(c.port).toBe(3000);
    expect(c.jobSchedule).toBe('0 * * * *');
    expect(c.secretKey.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps the generated secret across starts', () => {
    const env = base();
    expect(loadConfig(env).secretKey).toBe(loadConfig(env).secretKey);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ TIME_ZONE: 'Mars/Olympus' }, 'TIME_ZONE'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ SECRET_KEY: 'x'.repeat(31) }, 'SECRET_KEY'],
    [{ INBOUND_TOKEN: 'inbound-token-0123456789abcdef' }, 'INBOUND_TOKEN'],
    [{ NODE_ENV: 'production' }, 'SECRET_KEY'],
    [{ IMAP_HOST: 'imap.example.org' }, 'IMAP_USER'],
    [{ IMAP_HOST: 'imap.example.org', IMAP_USER: 'b' }, 'IMAP_PASSWORD'],
    [{ IMAP_MAILBOXES: '{"host":1}' }, 'IMAP_MAILBOXES'],
    [{ JOB_SCHEDULE: 'hourly' }, 'JOB_SCHEDULE'],
    [{ BOUNCE_DOMAIN: 'not a domain' }, 'BOUNCE_DOMAIN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %j naming %s', (env, variable) => {
    const err = errorFor(env as Record<string, string>);
    expect(err.variable.startsWith(variable)).toBe(true);
    expect(err.message).toContain(variable);
  });

  it.each([
    ['empty', ''],
    ['blank', '  \n'],
    ['short', 'abc123\n'],
  ])('refuses a secret.key file that is %s, naming the file', (_what, content) => {
    const env = base();
    const file = path.join(env.DATA_DIR, 'secret.key');
    writeFileSync(file, content);
    const err = errorFor(env);
    expect(err.variable).toBe('SECRET_KEY');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/at least 32/);
  });

  it('accepts secrets of 32 bytes and more from every source', () => {
    expect(loadConfig({ ...base(), SECRET_KEY: 'k'.repeat(32), INBOUND_TOKEN: 't'.repeat(32) }).inboundToken).toBe('t'.repeat(32));
    const env = base();
    writeFileSync(path.join(env.DATA_DIR, 'secret.key'), 's'.repeat(32) + '\n');
    expect(loadConfig(env).secretKey).toBe('s'.repeat(32));
  });

  it('reads several IMAP mailboxes from JSON', () => {
    const c = loadConfig({
      ...base(),
      IMAP_MAILBOXES: JSON.stringify([{ host: 'a', user: 'u', password: 'p', secure: false }, { host: 'b', user: 'v', accessToken: 't' }]),
    });
    expect(c.imapMailboxes.map((m) => [m.host, m.port, m.folder])).toEqual([
      ['a', 143, 'INBOX'],
      ['b', 993, 'INBOX'],
    ]);
  });

  it('SMTP_ALLOW_PLAINTEXT_AUTH=loopback only for a relay on this machine; never by default', () => {
    expect(loadConfig({ ...base(), SMTP_URL: 'smtp://u:p@mail.example.org:587' }).smtpAllowPlaintextAuth).toBe('never');
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      const c = loadConfig({ ...base(), SMTP_URL: `smtp://u:p@${host}:25`, SMTP_ALLOW_PLAINTEXT_AUTH: 'loopback' });
      expect(c.smtpAllowPlaintextAuth).toBe('loopback');
    }
    for (const host of ['mail.example.org', '10.0.0.5', '[2001:db8::1]', '128.0.0.1']) {
      const err = errorFor({ SMTP_URL: `smtp://u:p@${host}:25`, SMTP_ALLOW_PLAINTEXT_AUTH: 'loopback' });
      expect(err.variable).toBe('SMTP_ALLOW_PLAINTEXT_AUTH');
      expect(err.message).toContain('this machine');
    }
    expect(errorFor({ SMTP_ALLOW_PLAINTEXT_AUTH: 'yes' }).variable).toBe('SMTP_ALLOW_PLAINTEXT_AUTH');
  });

  it('SMTP_TLS_CA takes a PEM file or PEM text; a missing file stops the start', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-cfg-ca-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(path.join(dir, 'ca.pem'), pem);
    expect(loadConfig({ ...base(), SMTP_TLS_CA: path.join(dir, 'ca.pem') }).smtpTlsCa).toBe(pem);
    expect(loadConfig({ ...base(), SMTP_TLS_CA: pem }).smtpTlsCa).toBe(pem.trim());
    expect(errorFor({ SMTP_TLS_CA: path.join(dir, 'missing.pem') }).variable).toBe('SMTP_TLS_CA');
  });

  it('ADMIN_EMAIL with a control character is refused', () => {
    expect(errorFor({ ADMIN_EMAIL: 'admin\u0000@example.org' }).variable).toBe('ADMIN_EMAIL');
  });
});
