// The SMTP password only goes out inside TLS: after a STARTTLS the relay accepted, or on smtps://. Local
// smtp-server instances play the relays (one without STARTTLS, one whose STARTTLS is answered 454, one with a
// self-signed certificate the client is told to trust through SMTP_TLS_CA, one on implicit TLS). A wire tap in
// front records what the client sent: in the refused cases no AUTH ever appears and the server's onAuth is never
// called. Both SMTP paths are checked: the pipelining pool (unsigned mail) and nodemailer (DKIM-signed mail).
import { generateKeyPairSync } from 'node:crypto';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DkimKey } from '../../../src/sending/dkim.js';
import { smtpTransport, type SendResult } from '../../../src/sending/transport.js';
import { selfSignedCert, wireTap, type SelfSigned, type WireTap } from '../../helpers/smtp-security.js';

interface Relay {
  url: (scheme?: 'smtp' | 'smtps') => string;
  auths: Array<{ username: string | undefined; secure: boolean }>;
  received: number;
  tap: WireTap;
  close(): Promise<void>;
}

async function relay(options: SMTPServerOptions, tapOpts: { refuseStartTls?: boolean } = {}): Promise<Relay> {
  const auths: Relay['auths'] = [];
  const r = { received: 0 };
  const server = new SMTPServer({
    logger: false,
    // If a client did log in without TLS, this server would take it: the assertions below would see it.
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session, cb) {
      auths.push({ username: auth.username, secure: session.secure });
      cb(null, { user: auth.username });
    },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => {
        r.received++;
        cb();
      });
    },
    ...options,
  });
  server.on('error', () => {});
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const tap = await wireTap((server.server.address() as { port: number }).port, tapOpts);
  return {
    url: (scheme = 'smtp') => `${scheme}://list%40example.org:s3cret-pass@127.0.0.1:${tap.port}`,
    auths,
    get received() {
      return r.received;
    },
    tap,
    async close() {
      await tap.close();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

const dkimKey: DkimKey = {
  domainName: 'lists.example.test',
  keySelector: 'lk1',
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

const RAW = 'From: <list@lists.example.test>\r\nTo: <ana@example.org>\r\nSubject: hi\r\nMessage-ID: <t1@lists.example.test>\r\n\r\nhello\r\n';

async function sendOnce(url: string, path: 'pool' | 'nodemailer', extra: { tlsCa?: string; allowPlaintextAuth?: 'loopback' } = {}): Promise<SendResult> {
  const t = smtpTransport({ url, maxConnections: 1, ...extra });
  try {
    return await t.send({
      envelope: { from: 'list-bounces@lists.example.test', to: 'ana@example.org' },
      raw: RAW,
      tag: 'd1',
      dkim: path === 'nodemailer' ? dkimKey : null,
    });
  } finally {
    await t.close();
  }
}

/** No AUTH command and no credentials anywhere in what went over the wire in clear. */
function expectNoClearAuth(r: Relay): void {
  const wire = r.tap.sessions.join('');
  expect(wire).toMatch(/EHLO /);
  expect(wire).not.toMatch(/AUTH/i);
  expect(wire).not.toContain(Buffer.from('\0list@example.org\0s3cret-pass').toString('base64'));
  expect(wire).not.toContain(Buffer.from('s3cret-pass').toString('base64'));
  expect(r.auths).toEqual([]);
  expect(r.received).toBe(0);
}

describe.each(['pool', 'nodemailer'] as const)('SMTP AUTH only over TLS (%s)', (path) => {
  let cert: SelfSigned;
  beforeAll(() => {
    cert = selfSignedCert();
  });

  it('a relay that offers no STARTTLS: refused with a clear error, AUTH never sent', async () => {
    const r = await relay({ disabledCommands: ['STARTTLS'] });
    try {
      const res = await sendOnce(r.url(), path);
      expect(res.ok).toBe(false);
      expect(res.code).toBeNull(); // our side: never a bounce against the member
      expect(res.response).toMatch(/STARTTLS/);
      expect(res.response).toMatch(/SMTP_ALLOW_PLAINTEXT_AUTH=loopback/);
      expectNoClearAuth(r);
    } finally {
      await r.close();
    }
  });

  it('a relay that answers STARTTLS with 454: refused, AUTH never sent', async () => {
    const r = await relay({ key: cert.key, cert: cert.cert }, { refuseStartTls: true });
    try {
      const res = await sendOnce(r.url(), path, { tlsCa: cert.cert });
      expect(res.ok).toBe(false);
      expect(res.code).toBeNull();
      expect(res.response).toMatch(/STARTTLS/);
      expect(res.response).toMatch(/454/);
      expect(r.tap.sessions.join('')).toMatch(/STARTTLS\r\n/);
      expectNoClearAuth(r);
    } finally {
      await r.close();
    }
  });

  it('STARTTLS with a certificate trusted through SMTP_TLS_CA: AUTH happens inside TLS, the mail goes out', async () => {
    const r = await relay({ key: cert.key, cert: cert.cert });
    try {
      const res = await sendOnce(r.url(), path, { tlsCa: cert.cert });
      expect(res).toMatchObject({ ok: true, code: 250 });
      expect(r.auths).toEqual([{ username: 'list@example.org', secure: true }]);
      expect(r.received).toBe(1);
      // On the wire: EHLO and STARTTLS in clear, then only TLS records.
      const wire = r.tap.sessions.join('');
      expect(wire).toMatch(/STARTTLS\r\n/);
      expect(wire).not.toMatch(/AUTH|MAIL FROM/i);
    } finally {
      await r.close();
    }
  });

  it('smtps:// (implicit TLS): AUTH inside TLS; nothing readable on the wire', async () => {
    const r = await relay({ secure: true, key: cert.key, cert: cert.cert });
    try {
      const res = await sendOnce(r.url('smtps'), path, { tlsCa: cert.cert });
      expect(res).toMatchObject({ ok: true });
      expect(r.auths).toEqual([{ username: 'list@example.org', secure: true }]);
      expect(r.tap.sessions.join('')).not.toMatch(/EHLO|AUTH/);
    } finally {
      await r.close();
    }
  });

  it('a certificate the client was not told to trust: the TLS handshake fails, no AUTH', async () => {
    const r = await relay({ key: cert.key, cert: cert.cert });
    try {
      const res = await sendOnce(r.url(), path);
      expect(res.ok).toBe(false);
      expect(res.response).toMatch(/certificate/i);
      if (path === 'pool') expect(res.response).toContain('set SMTP_TLS_CA');
      expect(r.auths).toEqual([]);
      expect(r.received).toBe(0);
    } finally {
      await r.close();
    }
  });

  it('SMTP_ALLOW_PLAINTEXT_AUTH=loopback: a relay on 127.0.0.1 without STARTTLS gets the login', async () => {
    const r = await relay({ disabledCommands: ['STARTTLS'] });
    try {
      const res = await sendOnce(r.url(), path, { allowPlaintextAuth: 'loopback' });
      expect(res).toMatchObject({ ok: true });
      expect(r.auths).toEqual([{ username: 'list@example.org', secure: false }]);
      expect(r.tap.sessions.join('')).toMatch(/AUTH/);
    } finally {
      await r.close();
    }
  });
});

describe('SMTP client without credentials', () => {
  let r: Relay;
  beforeAll(async () => {
    r = await relay({ disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true });
  });
  afterAll(() => r.close());

  it('still sends to a relay without TLS when there is no login (nothing secret to protect)', async () => {
    const res = await sendOnce(r.url().replace('list%40example.org:s3cret-pass@', ''), 'pool');
    expect(res).toMatchObject({ ok: true });
    expect(r.received).toBe(1);
  });
});
