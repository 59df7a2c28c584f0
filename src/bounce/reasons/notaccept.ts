// The destination does not accept mail at all: a null MX (RFC 7505, X.1.10), "host does not accept
// mail" (RFC 7504 replies 521 and 556; X.3.2 "system not accepting network messages"), and qmail's
// "couldn't find a mail exchanger or IP address" (the domain names no host that takes mail).
import type { ReasonRule } from './types.js';

export const notaccept: ReasonRule = {
  reason: 'notaccept',
  category: 'hard',
  // X.1.10 is a null MX in RFC 7505, but Microsoft answers "550 5.1.10 RecipientNotFound" for an
  // unknown mailbox: the text tells them apart, the status alone means the RFC's null MX.
  // X.7.27 is the sender's null MX in RFC 7505, but Sendmail answers a recipient host's null MX
  // with "550 5.7.27 Host does not accept mail": the text tells them apart (rejected.ts).
  statuses: ['1.10', '3.2', '7.27'],
  replyCodes: ['521', '556'],
  phrases: [
    'does not accept mail',
    'an mx or srv record indicated no smtp service',
    'null mx',
    'nullmx',
    'mail receiving disabled',
    'no mx record found for domain',
    'couldn\'t find a mail exchanger or ip address',
    'system not accepting network messages',
    'name server: .: host not found',
  ],
};
