import { describe } from 'vitest';
import { reasonTable } from './table.js';

describe('spamdetected', () => {
  reasonTable('spamdetected', [
    [null, '550 5.7.1 Our system has detected that this message is likely unsolicited mail. (in reply to end of DATA command)'],
    [null, '554 5.7.1 Message rejected as spam by Content Filtering'],
    [null, '550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726'],
    ['5.7.28', '550 5.7.28 The message appears to be part of a mail flood'],
  ]);
});
