// The one place that reads the environment. Everything else receives a Config.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasControlChar } from './members/address.js';
import { isLoopbackHost, type PlaintextAuthPolicy } from './sending/smtp-security.js';

export interface ImapMailboxConfig {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password?: string;
  accessToken?: string;
  folder: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  port: number;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  secretKey: string;
  timeZone: string;
  /** Domain of list addresses and of the VERP return path (`<list>-bounces+...@bounceDomain`). */
  bounceDomain: string;
  smtpUrl: string | null;
  smtpMaxConnections: number;
  /** PEM text of the CA(s) trusted for the SMTP relay's certificate (SMTP_TLS_CA); null = the system's. */
  smtpTlsCa: string | null;
  /** SMTP_ALLOW_PLAINTEXT_AUTH: `loopback` lets the password go in clear to a relay on this machine only. */
  smtpAllowPlaintextAuth: PlaintextAuthPolicy;
  sendRatePerSecond: number;
  jobSchedule: string;
  imapMailboxes: ImapMailboxConfig[];
  imapPollSeconds: number;
  inboundToken: string | null;
  adminEmail: string;
  /** Believe X-Forwarded-For (only behind a known reverse proxy: it decides the client IP for rate limits). */
  trustProxy: boolean;
  /** DKIM keys by sending domain (DKIM_KEYS); empty = mail goes out unsigned. */
  dkimKeys: Array<{ domain: string; selector: string; privateKey: string }>;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function optional(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(name, `must be a number, got "${raw}"`);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string | null, protocols: string[]): string | null {
  const raw = optional(env, name) ?? fallback;
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function timeZone(env: Env, name: string): string {
  const tz = str(env, name, 'UTC');
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: tz });
  } catch {
    throw new ConfigError(name, `unknown time zone "${tz}"`);
  }
  return tz;
}

function domain(env: Env, name: string, fallback: string): string {
  const d = str(env, name, fallback).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(d)) {
    throw new ConfigError(name, `is not a domain name: "${d}"`);
  }
  return d;
}

function imapMailboxes(env: Env): ImapMailboxConfig[] {
  const json = optional(env, 'IMAP_MAILBOXES');
  if (json !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError('IMAP_MAILBOXES', 'must be a JSON array of mailboxes');
    }
    if (!Array.isArray(parsed)) throw new ConfigError('IMAP_MAILBOXES', 'must be a JSON array of mailboxes');
    return parsed.map((m: unknown, i: number) => {
      const o = (m ?? {}) as Record<string, unknown>;
      const where = `IMAP_MAILBOXES[${i}]`;
      if (typeof o.host !== 'string' || o.host === '') throw new ConfigError(where, 'needs "host"');
      if (typeof o.user !== 'string' || o.user === '') throw new ConfigError(where, 'needs "user"');
      if (o.password === undefined && o.accessToken === undefined) {
        throw new ConfigError(where, 'needs "password" or "accessToken"');
      }
      const port = o.port === undefined ? (o.secure === false ? 143 : 993) : Number(o.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(where, '"port" must be 1-65535');
      return {
        name: typeof o.name === 'string' && o.name ? o.name : `${o.user}@${o.host}`,
        host: o.host,
        port,
        secure: o.secure !== false,
        user: o.user,
        password: typeof o.password === 'string' ? o.password : undefined,
        accessToken: typeof o.accessToken === 'string' ? o.accessToken : undefined,
        folder: typeof o.folder === 'string' && o.folder ? o.folder : 'INBOX',
      };
    });
  }
  const host = optional(env, 'IMAP_HOST');
  if (host === null) return [];
  const user = optional(env, 'IMAP_USER');
  if (user === null) throw new ConfigError('IMAP_USER', 'is required when IMAP_HOST is set');
  const password = optional(env, 'IMAP_PASSWORD') ?? undefined;
  const accessToken = optional(env, 'IMAP_ACCESS_TOKEN') ?? undefined;
  if (!password && !accessToken) {
    throw new ConfigError('IMAP_PASSWORD', 'is required when IMAP_HOST is set (or IMAP_ACCESS_TOKEN)');
  }
  const secure = bool(env, 'IMAP_TLS', true);
  return [
    {
      name: `${user}@${host}`,
      host,
      port: int(env, 'IMAP_PORT', secure ? 993 : 143, 1, 65535),
      secure,
      user,
      password,
      accessToken,
      folder: str(env, 'IMAP_FOLDER', 'INBOX'),
    },
  ];
}

function dkimKeys(env: Env): Config['dkimKeys'] {
  const json = optional(env, 'DKIM_KEYS');
  if (json === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError('DKIM_KEYS', 'must be a JSON array of {"domain","selector","privateKey"}');
  }
  if (!Array.isArray(parsed)) throw new ConfigError('DKIM_KEYS', 'must be a JSON array of {"domain","selector","privateKey"}');
  return parsed.map((k: unknown, i: number) => {
    const o = (k ?? {}) as Record<string, unknown>;
    for (const f of ['domain', 'selector', 'privateKey']) {
      if (typeof o[f] !== 'string' || o[f] === '') throw new ConfigError(`DKIM_KEYS[${i}]`, `needs "${f}"`);
    }
    const privateKey = o.privateKey as string;
    if (!privateKey.includes('-----BEGIN') && !existsSync(privateKey)) {
      throw new ConfigError(`DKIM_KEYS[${i}]`, `"privateKey" is neither a PEM key nor an existing file: ${privateKey}`);
    }
    return { domain: (o.domain as string).toLowerCase(), selector: o.selector as string, privateKey };
  });
}

/** SMTP_TLS_CA: PEM text, or a path to a PEM file. */
function smtpTlsCa(env: Env): string | null {
  const raw = optional(env, 'SMTP_TLS_CA');
  if (raw === null) return null;
  if (raw.includes('-----BEGIN CERTIFICATE-----')) return raw.replace(/\\n/g, '\n');
  if (!existsSync(raw)) throw new ConfigError('SMTP_TLS_CA', `is neither a PEM certificate nor an existing file: ${raw}`);
  const pem = readFileSync(raw, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('SMTP_TLS_CA', `${raw} holds no PEM certificate`);
  return pem;
}

function smtpAllowPlaintextAuth(env: Env, smtpUrl: string | null): PlaintextAuthPolicy {
  const raw = (optional(env, 'SMTP_ALLOW_PLAINTEXT_AUTH') ?? 'never').toLowerCase();
  if (raw !== 'never' && raw !== 'loopback') {
    throw new ConfigError('SMTP_ALLOW_PLAINTEXT_AUTH', `must be never or loopback, got "${raw}"`);
  }
  if (raw === 'loopback' && smtpUrl !== null) {
    const host = new URL(smtpUrl).hostname;
    if (!isLoopbackHost(host)) {
      throw new ConfigError(
        'SMTP_ALLOW_PLAINTEXT_AUTH',
        `loopback allows a clear-text login only to a relay on this machine (127.0.0.0/8, ::1, localhost); SMTP_URL names ${host}`,
      );
    }
  }
  return raw;
}

/** Shorter secrets can be guessed offline from one signed link or session cookie: 256 bits at least. */
export const SECRET_MIN_BYTES = 32;

function tooShort(secret: string): boolean {
  return Buffer.byteLength(secret, 'utf8') < SECRET_MIN_BYTES;
}

/** The secret signing links and sessions: from SECRET_KEY, else kept in the data folder. */
function secretKey(env: Env, dataDir: string, nodeEnv: Config['env']): string {
  const given = optional(env, 'SECRET_KEY');
  if (given !== null) {
    if (tooShort(given)) throw new ConfigError('SECRET_KEY', `must be at least ${SECRET_MIN_BYTES} bytes long`);
    return given;
  }
  if (nodeEnv === 'production') throw new ConfigError('SECRET_KEY', 'is required in production');
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    // An empty or cut file (disk full, a hand edit) must not silently sign everything with a weak key.
    const kept = readFileSync(file, 'utf8').trim();
    if (tooShort(kept)) {
      throw new ConfigError(
        'SECRET_KEY',
        `the key file ${file} holds ${kept === '' ? 'nothing' : `only ${Buffer.byteLength(kept, 'utf8')} bytes`}; ` +
          `it needs at least ${SECRET_MIN_BYTES}. Set SECRET_KEY, or delete the file to have a new key generated ` +
          '(links already sent and open sessions then stop working)',
      );
    }
    return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

/** Reads `.env` from the working directory into process.env, when there is one (entry points only). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnv}"`);
  }
  const logLevel = str(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'warn' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = str(env, 'HOST', '127.0.0.1');
  const baseUrl = url(env, 'BASE_URL', `http://localhost:${port}`, ['http:', 'https:'])!.replace(/\/+$/, '');
  const dataDir = path.resolve(str(env, 'DATA_DIR', './data'));
  const schedule = str(env, 'JOB_SCHEDULE', '0 * * * *');
  if (schedule.split(/\s+/).length < 5 || schedule.split(/\s+/).length > 6) {
    throw new ConfigError('JOB_SCHEDULE', `must be a cron expression with 5 or 6 fields, got "${schedule}"`);
  }
  const inboundToken = optional(env, 'INBOUND_TOKEN');
  if (inboundToken !== null && tooShort(inboundToken)) {
    throw new ConfigError('INBOUND_TOKEN', `must be at least ${SECRET_MIN_BYTES} bytes long`);
  }
  const adminEmail = str(env, 'ADMIN_EMAIL', 'admin@localhost').toLowerCase();
  const smtpUrl = url(env, 'SMTP_URL', null, ['smtp:', 'smtps:']);
  if (!/^[^@\s]+@[^@\s]+$/.test(adminEmail) || hasControlChar(adminEmail)) throw new ConfigError('ADMIN_EMAIL', `is not an address: "${adminEmail}"`);
  return {
    env: nodeEnv,
    logLevel,
    host,
    port,
    baseUrl,
    dataDir,
    databaseUrl: url(env, 'DATABASE_URL', null, ['postgres:', 'postgresql:']),
    secretKey: secretKey(env, dataDir, nodeEnv),
    timeZone: timeZone(env, 'TIME_ZONE'),
    bounceDomain: domain(env, 'BOUNCE_DOMAIN', 'lists.localhost'),
    smtpUrl,
    smtpMaxConnections: int(env, 'SMTP_MAX_CONNECTIONS', 5, 1, 100),
    smtpTlsCa: smtpTlsCa(env),
    smtpAllowPlaintextAuth: smtpAllowPlaintextAuth(env, smtpUrl),
    sendRatePerSecond: num(env, 'SEND_RATE_PER_SECOND', 0, 0, 100000),
    jobSchedule: schedule,
    imapMailboxes: imapMailboxes(env),
    imapPollSeconds: int(env, 'IMAP_POLL_SECONDS', 30, 1, 3600),
    inboundToken,
    adminEmail,
    trustProxy: bool(env, 'TRUST_PROXY', false),
    dkimKeys: dkimKeys(env),
  };
}
