// The recipient's domain does not exist or has no host (RFC 3463 X.1.2 "bad destination system
// address"; 5.4.4 "unable to route"). Phrases: Postfix "Host or domain name not found", Sendmail
// "Host unknown", qmail "Sorry, I couldn't find any host named", Exim "Unrouteable address" and "all
// relevant MX records point to non-existent hosts", Exchange "SMTPSEND.DNS.NonExistentDomain".
import type { ReasonRule } from './types.js';

export const hostunknown: ReasonRule = {
  reason: 'hostunknown',
  category: 'hard',
  decisive: ['1.2'],
  statuses: ['5.4.4'],
  phrases: [
    'host unknown',
    'domain is not reachable',
    'unknown host',
    'host or domain name not found',
    'domain not found',
    'domain does not exist',
    'domain name does not exist',
    'domain must exist',
    'no such domain',
    'unknown domain',
    'couldn\'t find any host named',
    'could not find any host named',
    'unrouteable address',
    'unroutable address',
    'all relevant mx records point to non-existent hosts',
    'name or service not known',
    'nonexistentdomain',
    'nonexistent domain',
    'the account or domain may not exist',
    'mail domain mentioned in email address is unknown',
    'illegal host/domain name',
  ],
  patterns: [/\bdns domain \S{1,255} does not exist\b/, /\bhost \S{1,255} not found\b/],
};
