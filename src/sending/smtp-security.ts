// When the SMTP password may be sent: only inside TLS (smtps://, or after a STARTTLS the server accepted), unless
// SMTP_ALLOW_PLAINTEXT_AUTH=loopback and the relay is on this machine (nothing crosses a network then).
import net from 'node:net';

/** `never` (the default): AUTH only over TLS. `loopback`: clear-text AUTH allowed to a relay on 127.0.0.0/8 or ::1. */
export type PlaintextAuthPolicy = 'never' | 'loopback';

export interface SmtpSecurityOptions {
  /** PEM of the CA(s) to trust for the relay's certificate (SMTP_TLS_CA); null = the system's CAs. */
  tlsCa?: string | null;
  allowPlaintextAuth?: PlaintextAuthPolicy;
}

/** A host name as written in SMTP_URL (URL.hostname keeps IPv6 brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  return isLoopbackAddress(h);
}

/** An IP address as a socket reports it (IPv4, IPv6, or IPv4-mapped IPv6). */
export function isLoopbackAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const a = ip.toLowerCase().replace(/^::ffff:/, '');
  if (net.isIPv4(a)) return a.startsWith('127.');
  return net.isIPv6(a) && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(a);
}

export const PLAINTEXT_AUTH_HINT =
  'use smtps:// or a relay that offers STARTTLS; for a relay on this machine only, SMTP_ALLOW_PLAINTEXT_AUTH=loopback allows it';
