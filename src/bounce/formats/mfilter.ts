// m-FILTER (Digital Arts' mail gateway, Japan): "このメールは「m-FILTER」が自動的に生成して送信しています。",
// the failed addresses after "以下のメールアドレスへの送信に失敗しました。", then "-------server message"
// with the remote reply and "-------SMTP command" with the command it answered.

import { commandIn } from '../smtp.js';
import { addressBlocks, includesAny, lineIndex, recipient, resultOf } from './kit.js';
import type { SmtpCommand } from '../smtp.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

const SIGNATURE = ['m-filter'];

function section(mail: Mail, heading: string): string {
  const at = lineIndex(mail, [heading]);
  if (at < 0) return '';
  const out: string[] = [];
  for (let i = at + 1; i < mail.lines.length && out.length < 10; i++) {
    if (mail.lines[i].startsWith('-------')) break;
    out.push(mail.lines[i]);
  }
  return out.join('\n').trim();
}

export const mfilter: Format = {
  name: 'mfilter',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const reply = section(mail, '-------server message');
    const named = section(mail, '-------smtp command').trim().toUpperCase();
    const command: SmtpCommand | null = commandIn(`>>> ${named}`) ?? (named === 'CONNECT' ? 'CONN' : null);
    const intro = lineIndex(mail, ['以下のメールアドレスへの送信に失敗しました', 'failed to send to the following']);
    const blocks = addressBlocks(mail, { start: intro >= 0 ? intro + 1 : 0, stop: (l) => l.startsWith('-------') });
    return resultOf(blocks.map((b) => recipient(b.address, reply || b.text, { command })));
  },
};
