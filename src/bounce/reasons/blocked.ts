// The receiving server refused the sending host: a blocklist (Spamhaus, SpamCop, Barracuda, SORBS),
// a client or HELO restriction, an IP ban (RFC 3463 X.7.1 in a temporary refusal). Phrases: Postfix
// "Client host rejected", "Helo command rejected", "blocked using"; Microsoft "banned sending IP",
// "part of their network is on our block list"; Apple "not accepting connections"; Orange "Adresse IP
// source bloquee".
import type { ReasonRule } from './types.js';

export const blocked: ReasonRule = {
  reason: 'blocked',
  category: 'blocked',
  statuses: ['4.7.1'],
  phrases: [
    'blocked using',
    'blocked by',
    'blacklisted',
    'blocklisted',
    'blacklist',
    'blocklist',
    'block list',
    'black list',
    'spamhaus',
    'spamcop',
    'sorbs.net',
    'barracudacentral',
    'dnsbl',
    'client host rejected',
    'client host blocked',
    'helo command rejected',
    'not accepting connections',
    'not currently accepting mail from your ip',
    'banned sending ip',
    'banned sender',
    'access denied, banned',
    'bad sender ip address',
    'sender ip address rejected',
    'dynamic ip',
    'dynamic/zombied',
    'rejecting open proxy',
    'open proxy',
    'please use the smtp server of your isp',
    'you are not allowed to connect',
    'may not be mail exchanger',
    'ip not in whitelist',
    'ip bloquee',
    'adresse ip source bloquee',
    'connection dropped',
    'refused to talk to me',
    'your server requires confirmation',
    'go away',
    // Gmail: "The IP you're using to send mail is not authorized to send email directly to our servers".
    'not authorized to send email directly',
    // QQ Mail: the sending domain or operator is suspected of spam.
    'suspected spam sender',
    'host network not allowed',
    // Proofpoint's DNSBL refusal ("554 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=…").
    'blocked - see',
    'dnsbl-lookup',
    // Microsoft 5.7.7xx: "Access denied, traffic not accepted from this IP".
    'traffic not accepted from this ip',
    // Yahoo 553 5.7.2 [TSS09]: "All messages from <ip> will be permanently deferred".
    'will be permanently deferred',
    // Gmail 421/550: "Our system has detected an unusual rate of unsolicited mail originating from your IP address".
    'unusual rate of',
    // T-Online's refusal of a blocked sending host: "IP=… - A problem occurred. (Ask your postmaster for help …)".
    'a problem occurred. (ask your postmaster',
  ],
  patterns: [
    /\b(ip|ip address|host|client|network|server|sender ip)\b[^.]{0,60}\b(is )?(blocked|banned|listed|blacklisted|rejected for abuse)\b/,
    /\b(rbl|dnsbl|rbls)\b/,
  ],
  // Outlook.com postmaster codes for IP blocks (open proxy, complaints, dynamic IP, Spamhaus), then
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(sc-00[34]|dy-001|ou-001)\b/, /\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:101|102|103|510|999)\b/],
};
