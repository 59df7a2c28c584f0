// The sender gave up retrying (RFC 3463 X.4.7 "delivery time expired"; X.4.1 "no answer from host",
// when it ends a delivery). Phrases: Exim "retry timeout exceeded" and "retry time not reached for any
// host after a long failure period", qmail "I'm not going to try again; this message has been in the
// queue too long", Sendmail "Message could not be delivered for N days", Exchange "Message expired".
// Greylisting (RFC 6647) is a deliberate "try again later" to unknown senders, not a verdict on us or the
// mailbox: when it lasts until the sender gives up, the delivery simply expired.
import type { ReasonRule } from './types.js';

export const expired: ReasonRule = {
  reason: 'expired',
  category: 'soft',
  decisive: ['4.7'],
  statuses: ['4.4.1'],
  phrases: [
    'retry timeout exceeded',
    'retry time not reached for any host after a long failure period',
    'has been in the queue too long',
    'message expired',
    'envelope expired',
    'queue expired',
    'delivery expired',
    'delivery time expired',
    'message timed out',
    'was not reachable within the allowed queue period',
    'unable to deliver message after multiple retries',
    'have been failing for a long time',
    'connection timed out',
    'could not find a gateway for',
    'did not accept our requests to connect',
    'greylisted',
    'greylisting',
    'graylisted',
    'graylisting',
    'grey-listed',
    'gray-listed',
  ],
  patterns: [
    // IPswitch IMail's final notice: "Delivery failed 20 attempts: address".
    /\bdelivery failed \d{1,4} attempts\b/,/\bcould not be delivered for (more than )?\d{1,4} (day|hour)/, /\bgave up\b|\bgiving up\b|\bgiven up\b/],
};
