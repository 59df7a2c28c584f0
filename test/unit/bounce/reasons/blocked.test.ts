import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('blocked', () => {
  reasonTable('blocked', [
    ['5.7.1', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org'],
    [null, '550 5.7.1 Client host rejected: may not be mail exchanger'],
    [null, '550 5.7.606 Access denied, banned sending IP [192.0.2.1]'],
    [null, '550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. Part of their network is on our block list (S3150).'],
    [null, '554 mx.icloud.example ESMTP not accepting connections'],
    [null, '550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. OFR006_102'],
    // A decisive 5.1.1 does not hide a refusal of the sending host (reasons/index.ts).
    ['5.1.1', '553 http://www.spamhaus.org/query/bl?ip=192.0.2.1'],
    [null, '550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1'],
    [null, '554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.example to clarify.) (BL)'],
    [null, '553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.'],
  ]);
});
