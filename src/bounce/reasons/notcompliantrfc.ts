// The message breaks RFC 5322 (Gmail "is not RFC 5322 compliant", "multiple addresses in From: header",
// "missing a valid Message-ID: header"; Microsoft 5.7.512 "must be RFC 5322 section 3.6.2 compliant";
// Yahoo "headers are not RFC compliant").
import type { ReasonRule } from './types.js';

export const notcompliantrfc: ReasonRule = {
  reason: 'notcompliantrfc',
  category: 'blocked',
  phrases: [
    'rfc 5322',
    'rfc5322',
    'rfc 2822',
    'rfc 822 compliant',
    'not rfc compliant',
    'headers are not rfc compliant',
    'duplicate header',
    'missing a valid message-id',
    'missing a valid address in the from',
    'encoded-word syntax is not permitted',
    'unicode character in a disallowed header',
    'mail message is malformed',
    'bare linefeed',
    'bare lf',
  ],
  patterns: [/\bmultiple [\w-]{1,40}:? headers?\b/, /\bmultiple addresses in [\w-]{1,40}:? header/],
};
