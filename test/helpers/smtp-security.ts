// For the SMTP AUTH tests: a throwaway self-signed certificate (openssl, valid for 127.0.0.1 and localhost) and a
// TCP relay in front of an smtp-server that records every byte the client sends on the wire (so a test can prove
// a password never went out in clear) and can play a relay that answers STARTTLS with 454.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface SelfSigned {
  key: string;
  cert: string;
  certFile: string;
}

export function selfSignedCert(): SelfSigned {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export interface WireTap {
  port: number;
  /** Everything clients sent, per connection, as latin1 text (TLS records stay unreadable, as on a real wire). */
  sessions: string[];
  close(): Promise<void>;
}

/** Relays 127.0.0.1:<port> to `target`; with `refuseStartTls`, answers the client's STARTTLS itself with 454. */
export async function wireTap(target: number, opts: { refuseStartTls?: boolean } = {}): Promise<WireTap> {
  const sessions: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const i = sessions.push('') - 1;
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = '';
    client.on('data', (d: Buffer) => {
      sessions[i] += d.toString('latin1');
      if (!opts.refuseStartTls) {
        upstream.write(d);
        return;
      }
      // Line by line so the STARTTLS command can be taken out (the upstream server never sees it).
      pending += d.toString('latin1');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl + 1);
        pending = pending.slice(nl + 1);
        if (/^STARTTLS\r?\n$/i.test(line)) client.write('454 4.7.0 TLS not available due to local problem\r\n');
        else upstream.write(Buffer.from(line, 'latin1'));
      }
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
