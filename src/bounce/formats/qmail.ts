// qmail (qmail-send's bounce text, and systems that copy it: Yahoo's old MTA, vpopmail, netqmail
// patches): "Hi. This is the qmail-send program at host. I'm afraid I wasn't able to deliver your
// message to the following addresses. This is a permanent error; I've given up." then per recipient
// "<address>:" followed by the remote's answer, up to "--- Below this line is a copy of the message.".
// qmail-remote's messages tell the SMTP step: "does not like recipient" (RCPT), "sender was rejected"
// (MAIL), "my name was rejected" (HELO), "failed after I sent the message" (DATA), "greeting failed".

import { blocksAfter, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['this is the qmail-send program', 'i\'m afraid i wasn\'t able to deliver your message', 'qmail-send'];
const INTRO = ['wasn\'t able to deliver your message to the following', 'unable to deliver your message to the following', 'this is a permanent error; i\'ve given up'];
const END = ['--- below this line is a copy of the message', '--- enclosed are the original headers', '--- below the next line is a copy'];
const DELAY = ['i\'m still trying', 'will keep trying', 'this is a warning'];

export const qmail: Format = {
  name: 'qmail',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const delayed = includesAny(mail.head, DELAY) && !mail.head.includes('permanent error');
    return resultOf(blocksAfter(mail, INTRO, END).map((b) => recipient(b.address, b.text, { delayed })));
  },
};
