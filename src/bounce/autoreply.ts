// Automatic replies (RFC 3834 and the common non-standard signs): vacation, out-of-office,
// challenge-response. Never bounces.

import { headerValue } from './mime.js';
import type { MessageView } from './view.js';

const VACATION_SUBJECT = new RegExp(
  [
    String.raw`\bout of (the )?office\b`,
    String.raw`\bauto(matic|matically)?[- ]?(reply|replied|response|respond|answer|generated reply)\b`,
    String.raw`\bautoreply\b`,
    String.raw`\bautoresponder?\b`,
    String.raw`\bvacation\b`,
    String.raw`\b(away|absent) from (the |my )?(office|desk|email)\b`,
    String.raw`\bon (holiday|leave|vacation)\b`,
    String.raw`^auto:`,
    String.raw`\babwesenheit`,
    String.raw`\bautomatische (antwort|benachrichtigung)`,
    String.raw`\bnicht im b(ü|ue)ro\b`,
    String.raw`r(é|e)ponse automatique`,
    String.raw`\babsence\b`,
    String.raw`\bhors du bureau\b`,
    String.raw`\bcong(é|e)s?\b`,
    String.raw`respuesta autom(á|a)tica`,
    String.raw`fuera de (la )?oficina`,
    String.raw`\bausente\b`,
    String.raw`risposta automatica`,
    String.raw`fuori (sede|ufficio)`,
    String.raw`resposta autom(á|a)tica`,
    String.raw`fora do escrit(ó|o)rio`,
    String.raw`automatisch antwoord`,
    String.raw`\bafwezig`,
    String.raw`\bautosvar\b`,
    String.raw`fr(å|a)nvaro`,
    String.raw`\bpoza biurem\b`,
    String.raw`automatyczna odpowied`,
    String.raw`автоматический ответ`,
    String.raw`автоответ`,
    String.raw`не в офисе`,
    String.raw`自動応答`,
    String.raw`自動返信`,
    String.raw`不在`,
    String.raw`自动回复`,
    String.raw`自動回覆`,
    String.raw`자동\s?응답`,
  ].join('|'),
  'i',
);

const CHALLENGE =
  /\b(please (confirm|verify) (that )?(you are|your (message|e-?mail|identity))|verify (that )?you are (a )?(human|real person)|(spam ?arrest|boxbe|choicemail|sorbs challenge|mailblocks|bluebottle)|i (use|am using) .{0,40}(spam|challenge)|challenge[- ]response|to (complete|finish) (the )?delivery of your (message|e-?mail).{0,80}(click|reply|confirm)|added to my (approved|whitelist|guest list)|awaiting your (confirmation|verification))/i;

const CHALLENGE_HINT = /confirm|verif|spam|challenge|boxbe|whitelist|approved|guest list|mailblocks|choicemail|bluebottle|delivery of your/i;
const VACATION_HINT = /office|away|holiday|vacation|leave|travel|limited access|respond|reply|get back/i;

const VACATION_BODY =
  /\b(i am|i'm|i will be) (currently )?(out of (the )?office|away|on (holiday|vacation|leave)|traveling|travelling)\b|\b(out of (the )?office|on (annual )?leave) (until|till|from)\b|\bwith limited access to (e-?mail|my email)\b|\bwill (respond|reply|get back to you|return)\b.{0,60}\b(return|back)\b/i;

export interface AutoreplySignal {
  strong: boolean;
  detector: string;
}

/** Signs that the message is an automatic reply; `strong` ones outweigh a mail-system sender. */
export function autoreplySignals(view: MessageView): AutoreplySignal | null {
  const h = view.headers;
  const autoSubmitted = (headerValue(h, 'auto-submitted') ?? '').toLowerCase();
  if (headerValue(h, 'x-autoreply') || headerValue(h, 'x-autorespond') || headerValue(h, 'x-autoreply-from') || headerValue(h, 'x-mail-autoreply')) {
    return { strong: true, detector: 'autoreply:x-autoreply' };
  }
  const precedence = ((headerValue(h, 'precedence') ?? '') + ' ' + (headerValue(h, 'x-precedence') ?? '')).toLowerCase();
  if (precedence.includes('auto_reply') || precedence.includes('auto-reply')) return { strong: true, detector: 'autoreply:precedence' };
  const subject = view.subject;
  if (VACATION_SUBJECT.test(subject)) return { strong: true, detector: 'autoreply:subject' };
  const head = view.notice.slice(0, 4000);
  // Cheap literal screens first: the full patterns are costly and most messages match neither.
  if (CHALLENGE_HINT.test(subject + '\n' + head) && (CHALLENGE.test(subject) || CHALLENGE.test(head))) {
    return { strong: true, detector: 'autoreply:challenge' };
  }
  if (autoSubmitted.startsWith('auto-replied')) return { strong: false, detector: 'autoreply:auto-submitted' };
  return null;
}

/** The weakest sign, checked last (only for messages nothing else claimed): vacation wording in the text. */
export function vacationWording(view: MessageView): AutoreplySignal | null {
  const start = view.notice.slice(0, 2000);
  return VACATION_HINT.test(start) && VACATION_BODY.test(start) ? { strong: false, detector: 'autoreply:body' } : null;
}
