// The mailbox does not exist (RFC 3463 X.1.1 "bad destination mailbox address", X.1.3 bad syntax).
// Phrases: the stock texts of Postfix ("User unknown in local recipient table"), Sendmail ("User
// unknown"), qmail ("Sorry, no mailbox here by that name"), Exim ("Unknown user"), Exchange
// ("RESOLVER.ADR.RecipNotFound", "The recipient name is not recognized"), Domino ("not listed in
// Domino Directory"), and the providers' published texts (Gmail "The email account that you tried to
// reach does not exist", Yahoo "This user doesn't have a … account", Outlook.com 5.1.10
// "Recipient not found by SMTP address lookup", Orange 416 "destinataire invalide").
import type { ReasonRule } from './types.js';

export const userunknown: ReasonRule = {
  reason: 'userunknown',
  category: 'hard',
  decisive: ['1.1', '1.3'],
  statuses: ['5.1.0'],
  phrases: [
    'user unknown',
    'unknown user',
    'unknown recipient',
    'recipient unknown',
    'unknown mailbox',
    'mailbox unknown',
    'unknown address',
    'address unknown',
    'addressee unknown',
    'unknown local part',
    'unknown local-part',
    'no such user',
    'no such mailbox',
    'no such recipient',
    'no such address',
    'no such account',
    'no such person',
    'no such local user',
    'no mailbox here by that name',
    'no mailbox by that name',
    'no account by that name',
    'no mail box available for this user',
    'invalid recipient',
    'invalid mailbox',
    'recipient is invalid',
    'bad destination mailbox address',
    'the email account that you tried to reach does not exist',
    'recipient not found',
    'invalid final delivery userid',
    'does not exist at the organization',
    'recipientnotfound',
    'recipnotfound',
    'recipient name is not recognized',
    'not listed in domino directory',
    'not listed in public name & address book',
    'not listed in the public name',
    'not a valid mailbox',
    'not a valid user',
    'is not a known user',
    'mailbox not found',
    'mailbox not present',
    'mailbox does not exist',
    'mailbox is unavailable',
    'requested action not taken: mailbox unavailable',
    'remote server returned unknown recipient',
    'inactive email address',
    'unknown or illegal alias',
    'invalid or unknown virtual user',
    'there is no one at this address',
    // Comcast: "550 5.1.1 <address> Not our Customer".
    'not our customer',
    'destinataire invalide',
    'utilisateur inconnu',
    'unbekannter empf',
    'empfänger unbekannt',
    'nessun utente',
    'no existe dicha persona',
    'no existe ese usuario',
  ],
  // Generic wordings: an unknown user only when no other reason's phrase matched (reasons/index.ts).
  weak: ['address rejected', 'recipient rejected', 'mailbox unavailable', 'invalid address', 'address invalid', 'does not exist', 'doesn\'t exist', 'no longer valid', 'check if address is correct'],
  patterns: [
    // "<user|recipient|mailbox|account> … does not exist / not found / unknown"
    /\b(user|recipient|mailbox|account|addressee|e-?mail address|destination address)( name| address| account)?( "?[^\s"]{1,80}"?)? (is |was )?(unknown|not found|not known|does not exist|doesn'?t exist|not exist|not valid|not recogni[sz]ed)\b/,
    /\bdoesn'?t have an? [\w.-]{1,60} account\b/,
    /\bdoes not have an? (e-?mail |mail )?account\b/,
    /\bno such (e-?mail|mail) ?(address|account|box)\b/,
    /\b(non-?existent|nonexisting|inexistent) (user|recipient|mailbox|address|account)\b/,
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:416)\b/],
};
