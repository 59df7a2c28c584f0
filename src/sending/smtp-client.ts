// A lean SMTP client pool for bulk sending: persistent connections, RFC 2920 PIPELINING of the envelope
// (MAIL, RCPT and DATA in one write), one message after another per connection. Measured on the bench machine,
// nodemailer's pool spent ~1.4 ms of CPU per message in its stream plumbing (≈700 msg/s at best); this spends a
// fraction of that. nodemailer stays the transport when DKIM signing is configured (see transport.ts).
// Supports smtp:// (STARTTLS when offered), smtps://, AUTH PLAIN/LOGIN — the password only inside TLS (see
// smtp-security.ts).
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { unsafeAddressReason } from '../members/address.js';
import { isLoopbackAddress, PLAINTEXT_AUTH_HINT, type SmtpSecurityOptions } from './smtp-security.js';
import type { SendResult } from './transport.js';

interface Reply {
  code: number;
  text: string;
}

export interface SmtpPoolOptions extends SmtpSecurityOptions {
  url: string;
  maxConnections: number;
  /** Name in EHLO (default the host name). */
  clientName?: string;
  socketTimeoutMs?: number;
  /** Messages per connection before it is recycled (some servers limit it). */
  maxMessagesPerConnection?: number;
}

class SmtpError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
  }
}

/** One SMTP session. Commands are written in order; replies resolve the waiting promises in the same order. */
class Connection {
  private socket: net.Socket | tls.TLSSocket | null = null;
  private buf = '';
  private lines: string[] = [];
  private waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private extensions = new Set<string>();
  private authMechs = new Set<string>();
  dead = false;
  sent = 0;

  constructor(
    private readonly opts: {
      host: string;
      port: number;
      secure: boolean;
      user: string | null;
      pass: string | null;
      name: string;
      timeoutMs: number;
      ca: string | null;
      allowPlaintextAuth: boolean;
    },
  ) {}

  private get where(): string {
    return `SMTP server ${this.opts.host}:${this.opts.port}`;
  }

  /** Clear-text AUTH only when allowed AND the socket really goes to this machine (not just a name that says so). */
  private plaintextAuthAllowed(): boolean {
    return this.opts.allowPlaintextAuth && isLoopbackAddress(this.socket?.remoteAddress);
  }

  private tlsOptions(): tls.ConnectionOptions {
    const { host, ca } = this.opts;
    return { servername: net.isIP(host) ? undefined : host, ...(ca ? { ca } : {}) };
  }

  private attach(sock: net.Socket | tls.TLSSocket): void {
    this.socket = sock;
    sock.setNoDelay(true);
    sock.setTimeout(this.opts.timeoutMs, () => sock.destroy(new Error('SMTP socket timeout')));
    sock.on('data', (d: Buffer) => this.onData(d));
    const fail = (err?: Error): void => {
      this.dead = true;
      const e = err ?? new Error('SMTP connection closed');
      const w = this.waiting;
      this.waiting = [];
      for (const x of w) x.reject(e);
    };
    sock.on('error', fail);
    sock.on('close', () => fail());
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('latin1');
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.lines.push(line);
      // "250-..." continues a multi-line reply; "250 ..." ends it.
      if (line.length < 4 || line[3] !== '-') {
        const text = this.lines.join('\n');
        this.lines = [];
        const w = this.waiting.shift();
        if (w) w.resolve({ code: Number(line.slice(0, 3)) || 0, text });
      }
    }
  }

  private expect(): Promise<Reply> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private write(s: string): void {
    if (!this.socket || this.dead) throw new SmtpError('SMTP connection closed', null);
    this.socket.write(s, 'latin1');
  }

  private async command(line: string): Promise<Reply> {
    const p = this.expect();
    this.write(`${line}\r\n`);
    return p;
  }

  private async ehlo(): Promise<void> {
    let r = await this.command(`EHLO ${this.opts.name}`);
    if (r.code !== 250) {
      r = await this.command(`HELO ${this.opts.name}`);
      if (r.code !== 250) throw new SmtpError(r.text, r.code);
      return;
    }
    this.extensions.clear();
    // What the server offered before STARTTLS may have been tampered with: only the last EHLO counts.
    this.authMechs.clear();
    for (const l of r.text.split('\n').slice(1)) {
      const ext = l.slice(4).trim().toUpperCase();
      this.extensions.add(ext.split(/\s+/)[0]);
      if (ext.startsWith('AUTH')) for (const m of ext.split(/[\s=]+/).slice(1)) this.authMechs.add(m);
    }
  }

  async open(): Promise<void> {
    const { host, port, secure } = this.opts;
    const greeting = this.expect();
    await new Promise<void>((resolve, reject) => {
      const sock = secure ? tls.connect({ host, port, ...this.tlsOptions() }) : net.connect({ host, port });
      sock.once(secure ? 'secureConnect' : 'connect', () => resolve());
      sock.once('error', (e: NodeJS.ErrnoException) => reject(/CERT|TLS|SIGNATURE|SSL/.test(e.code ?? '') ? this.tlsError(e) : e));
      this.attach(sock);
    });
    const g = await greeting;
    if (g.code !== 220) throw new SmtpError(g.text, g.code);
    await this.ehlo();
    const login = this.opts.user !== null;
    if (!secure) {
      if (this.extensions.has('STARTTLS')) {
        const r = await this.command('STARTTLS');
        if (r.code === 220) await this.startTls();
        // Without a login, a relay that cannot do TLS now still gets the mail (as any MTA would send it).
        else if (login && !this.plaintextAuthAllowed()) {
          throw new SmtpError(`${this.where} refused STARTTLS (${r.text.replace(/\s+/g, ' ')}): not logging in without TLS; ${PLAINTEXT_AUTH_HINT}`, null);
        }
      } else if (login && !this.plaintextAuthAllowed()) {
        throw new SmtpError(`${this.where} does not offer STARTTLS: not sending the SMTP password in clear; ${PLAINTEXT_AUTH_HINT}`, null);
      }
    }
    if (login) await this.auth();
  }

  private async startTls(): Promise<void> {
    const plain = this.socket as net.Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    plain.on('error', () => {});
    // Anything the server sent after its 220 arrived in clear: it must not be read as a TLS-time reply.
    this.buf = '';
    this.lines = [];
    await new Promise<void>((resolve, reject) => {
      const t = tls.connect({ socket: plain, ...this.tlsOptions() }, () => resolve());
      t.once('error', (e: Error) => reject(this.tlsError(e)));
      this.attach(t);
    });
    await this.ehlo();
  }

  private tlsError(e: Error): SmtpError {
    const hint = this.opts.ca ? 'check SMTP_TLS_CA and the name in the certificate' : 'for a relay with its own or a self-signed certificate, set SMTP_TLS_CA';
    return new SmtpError(`${this.where}: TLS failed (${e.message}); ${hint}`, null);
  }

  private async auth(): Promise<void> {
    // The last word before the password goes out: inside TLS, or to a loopback relay when explicitly allowed.
    const encrypted = this.socket instanceof tls.TLSSocket && this.socket.encrypted;
    if (!encrypted && !this.plaintextAuthAllowed()) {
      throw new SmtpError(`${this.where}: the connection is not encrypted, not sending the SMTP password; ${PLAINTEXT_AUTH_HINT}`, null);
    }
    const user = this.opts.user!;
    const pass = this.opts.pass ?? '';
    let r: Reply;
    if (this.authMechs.has('PLAIN') || this.authMechs.size === 0) {
      r = await this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`);
    } else {
      r = await this.command('AUTH LOGIN');
      if (r.code === 334) r = await this.command(Buffer.from(user).toString('base64'));
      if (r.code === 334) r = await this.command(Buffer.from(pass).toString('base64'));
    }
    // A refused login is our configuration, not the recipient's: no reply code, so it is never a bounce.
    if (r.code !== 235) throw new SmtpError(`${this.where}: authentication failed: ${r.text}`, null);
  }

  private envelope(job: Job): Promise<[Reply, Reply, Reply]> {
    const pm = this.expect();
    const pr = this.expect();
    const pd = this.expect();
    return Promise.all([pm, pr, pd]);
  }

  private envelopeCommands(job: Job): string {
    return `MAIL FROM:<${job.from}>\r\nRCPT TO:<${job.to}>\r\nDATA\r\n`;
  }

  /**
   * Sends jobs taken from `next()` until it has none (or the connection breaks). With PIPELINING the envelope of
   * the following message goes out in the same write as the end of this one (RFC 2920 allows the message
   * content to start a group), so each message costs one round trip and one write.
   */
  async run(first: Job, next: () => Job | undefined): Promise<void> {
    const pipelining = this.extensions.has('PIPELINING');
    let job: Job | undefined = first;
    let env: Promise<[Reply, Reply, Reply]> | null = null;
    while (job) {
      const current: Job = job;
      job = undefined;
      try {
        let mail: Reply;
        let rcpt: Reply;
        let data: Reply;
        if (env) {
          [mail, rcpt, data] = await env;
        } else if (pipelining) {
          const p = this.envelope(current);
          this.write(this.envelopeCommands(current));
          [mail, rcpt, data] = await p;
        } else {
          mail = await this.command(`MAIL FROM:<${current.from}>`);
          rcpt = mail.code === 250 ? await this.command(`RCPT TO:<${current.to}>`) : mail;
          data = mail.code === 250 && rcpt.code < 300 ? await this.command('DATA') : rcpt;
        }
        env = null;
        const failed = mail.code !== 250 ? mail : rcpt.code >= 300 ? rcpt : null;
        if (data.code === 354 && !failed) {
          const end = this.expect();
          const following = pipelining && !this.dead ? next() : undefined;
          if (following) env = this.envelope(following);
          this.write(dotStuff(current.raw) + (following ? this.envelopeCommands(following) : ''));
          const r = await end;
          this.sent++;
          current.resolve(r.code >= 200 && r.code < 300 ? { ok: true, code: r.code, response: r.text } : { ok: false, code: r.code, response: r.text });
          job = following;
        } else {
          // A server may still say 354 after refusing every recipient: end that empty transaction cleanly.
          if (data.code === 354) await this.command('.').catch(() => undefined);
          await this.command('RSET');
          const why = failed ?? data;
          current.resolve({ ok: false, code: why.code, response: why.text });
        }
      } catch (e) {
        current.resolve({ ok: false, code: null, response: (e as Error).message });
        this.dead = true;
      }
      if (!job && env === null && !this.dead) job = next();
      if (this.dead && job) {
        // The envelope of `job` may have been written before the connection broke: it was never sent.
        job.resolve({ ok: false, code: null, response: 'SMTP connection lost' });
        job = undefined;
      }
    }
  }

  close(): void {
    if (!this.socket || this.dead) return;
    this.dead = true;
    try {
      this.socket.end('QUIT\r\n');
    } catch {
      /* already gone */
    }
  }
}

/** RFC 5321 4.5.2: a line starting with "." gets another; the message ends with CRLF.CRLF. */
export function dotStuff(raw: string): string {
  let s = raw.startsWith('.') ? `.${raw}` : raw;
  if (s.includes('\n.')) s = s.replace(/\n\./g, '\n..');
  return s.endsWith('\r\n') ? `${s}.\r\n` : `${s}\r\n.\r\n`;
}

interface Job {
  from: string;
  to: string;
  raw: string;
  resolve: (r: SendResult) => void;
}

export class SmtpPool {
  private idle: Connection[] = [];
  private open = 0;
  private queue: Job[] = [];
  private closed = false;
  private readonly conn: ConstructorParameters<typeof Connection>[0];
  private readonly max: number;
  private readonly perConnection: number;

  constructor(opts: SmtpPoolOptions) {
    const u = new URL(opts.url);
    const secure = u.protocol === 'smtps:';
    this.conn = {
      // URL keeps an IPv6 literal in brackets ([::1]); sockets want it bare.
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : secure ? 465 : 587,
      secure,
      user: u.username ? decodeURIComponent(u.username) : null,
      pass: u.password ? decodeURIComponent(u.password) : null,
      name: opts.clientName ?? os.hostname(),
      timeoutMs: opts.socketTimeoutMs ?? 120_000,
      ca: opts.tlsCa ?? null,
      allowPlaintextAuth: opts.allowPlaintextAuth === 'loopback',
    };
    this.max = opts.maxConnections;
    this.perConnection = opts.maxMessagesPerConnection ?? 10_000;
  }

  send(from: string, to: string, raw: string): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: null, response: 'SMTP pool closed' });
    // MAIL FROM and RCPT TO are command lines: a CR or LF in an address would start a command of its own.
    const unsafe = unsafeAddressReason(from) ?? unsafeAddressReason(to);
    if (unsafe) return Promise.resolve({ ok: false, code: null, response: `not sent: ${unsafe}`, refused: true });
    return new Promise((resolve) => {
      this.queue.push({ from, to, raw, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const c = this.idle.pop();
      if (c) {
        void this.drive(c, this.queue.shift()!);
        continue;
      }
      if (this.open >= this.max) return;
      this.open++;
      const job = this.queue.shift()!;
      const fresh = new Connection(this.conn);
      fresh.open().then(
        () => this.drive(fresh, job),
        (e: Error) => {
          this.open--;
          fresh.close();
          job.resolve({ ok: false, code: e instanceof SmtpError ? e.code : null, response: e.message });
          this.pump();
        },
      );
    }
  }

  private async drive(c: Connection, first: Job): Promise<void> {
    await c.run(first, () => (this.closed || c.sent >= this.perConnection ? undefined : this.queue.shift()));
    if (c.dead || c.sent >= this.perConnection || this.closed) {
      c.close();
      this.open--;
    } else {
      this.idle.push(c);
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle) c.close();
    this.idle = [];
    for (const j of this.queue.splice(0)) j.resolve({ ok: false, code: null, response: 'SMTP pool closed' });
  }
}
