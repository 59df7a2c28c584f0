// Microsoft Exchange 2007 and later, Exchange Online / Office 365 and Outlook.com NDRs: "Delivery has
// failed to these recipients or groups:" (localised: "Il recapito non è riuscito …", "La remise a
// échoué …"), the user text, then "Diagnostic information for administrators:" where each recipient
// is followed by the remote reply ("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not
// found'" or "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##"). An RFC 3464 report is usually
// attached. Delays: "Delivery is delayed to these recipients or groups:", subject "Delayed:".

import { addressBlocks, fromReport, includesAny, lineIndex, recipient, resultOf } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

const SIGNATURE = [
  'diagnostic information for administrators',
  'delivery has failed to these recipients',
  'delivery is delayed to these recipients',
  'microsoft exchange',
  'office 365',
  'informazioni di diagnostica per gli amministratori',
  'informations de diagnostic pour les administrateurs',
  'diagnoseinformationen für administratoren',
  'información de diagnóstico para administradores',
  'informações de diagnóstico para administradores',
  'diagnostische informatie voor beheerders',
  '管理者向けの診断情報',
];
const DIAGNOSTIC = [
  'diagnostic information for administrators',
  'informazioni di diagnostica',
  'informations de diagnostic',
  'diagnoseinformationen',
  'información de diagnóstico',
  'informações de diagnóstico',
  'diagnostische informatie',
  '管理者向けの診断情報',
];
const END = ['original message headers', 'intestazioni originali', 'en-têtes du message d\'origine', 'ursprüngliche nachrichtenkopfzeilen'];
const DELAY = ['delivery is delayed to these recipients', 'delivery will continue to be attempted', 'hasn\'t been delivered yet'];

/** The administrators' section: each recipient address line, then the server's replies about it. */
function diagnosticBlocks(mail: Mail): Map<string, string> {
  const at = lineIndex(mail, DIAGNOSTIC);
  const out = new Map<string, string>();
  if (at < 0) return out;
  for (const b of addressBlocks(mail, { start: at + 1, stop: (l) => includesAny(l, END) })) out.set(b.address, b.text);
  return out;
}

export const exchange: Format = {
  name: 'exchange',
  detect: (mail) => includesAny(mail.head, SIGNATURE) || (mail.lc.includes('diagnostic information for administrators') && mail.subjectLc.startsWith('undeliverable')),
  parse(mail) {
    const blocks = diagnosticBlocks(mail);
    if (mail.reports.length > 0) {
      const r = fromReport(mail, (a) => blocks.get(a) ?? '');
      if (r) return r;
    }
    const delayed = includesAny(mail.head, DELAY) || mail.subjectLc.startsWith('delayed');
    if (blocks.size === 0) {
      const intro = lineIndex(mail, ['delivery has failed to these recipients', 'delivery is delayed to these recipients', 'rejected your message to the following']);
      if (intro >= 0) for (const b of addressBlocks(mail, { start: intro + 1, max: 50 })) blocks.set(b.address, b.text);
    }
    return resultOf([...blocks].map(([a, text]) => recipient(a, text, { delayed })));
  },
};
