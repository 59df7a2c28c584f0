// TLS could not be agreed although one side requires it (RFC 3207 STARTTLS; RFC 8689 REQUIRETLS,
// X.7.30; MTA-STS / DANE failures reported by Exchange Online).
import type { ReasonRule } from './types.js';

export const failedstarttls: ReasonRule = {
  reason: 'failedstarttls',
  category: 'blocked',
  decisive: ['7.30'],
  statuses: ['7.10'],
  replyCodes: ['523', '524', '538'],
  phrases: [
    'starttls is required',
    'must issue a starttls command first',
    'tls required',
    'tls is required',
    'requiretls',
    'encryption required',
    'encryption needed',
    'failed mta-sts validation',
    'starttls-not-supported',
    'tlsa-invalid',
    'certificate-host-mismatch',
    'certificate-expired',
    'tls handshake failed',
    // Postfix's own words when the peer's TLS fails its policy.
    'but was not offered by host',
    'certificate not verified',
    'certificate not trusted',
    'certificate verification failed',
  ],
};
