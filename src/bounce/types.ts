// What the classifier says about one message. Plain data: the contract between bounce/ and its callers.

export type MessageKind = 'bounce' | 'delay' | 'complaint' | 'autoreply' | 'other';
export type Category = 'hard' | 'soft' | 'blocked';

/** Sisimai-style reason vocabulary (bounce-policy.md section 1). */
export type Reason =
  | 'userunknown'
  | 'hostunknown'
  | 'hasmoved'
  | 'notaccept'
  | 'suppressed'
  | 'undefined'
  | 'onhold'
  | 'mailboxfull'
  | 'mesgtoobig'
  | 'exceedlimit'
  | 'suspend'
  | 'expired'
  | 'systemerror'
  | 'systemfull'
  | 'mailererror'
  | 'networkerror'
  | 'filtered'
  | 'blocked'
  | 'badreputation'
  | 'spamdetected'
  | 'contenterror'
  | 'policyviolation'
  | 'securityerror'
  | 'authfailure'
  | 'requireptr'
  | 'rejected'
  | 'norelaying'
  | 'notcompliantrfc'
  | 'syntaxerror'
  | 'toomanyconn'
  | 'speeding'
  | 'virusdetected'
  | 'failedstarttls';

export interface FailedRecipient {
  /** Lower-cased mailbox, no angle brackets. */
  address: string;
  /** RFC 3463 status, e.g. "5.1.1", when known. */
  status: string | null;
  reason: Reason;
  category: Category;
  /** The SMTP reply or diagnostic text, trimmed and bounded in size. */
  diagnostic: string | null;
  remoteMta: string | null;
  /** "failed" or "delayed" (RFC 3464 Action), when known. */
  action: 'failed' | 'delayed' | null;
}

export interface Complaint {
  address: string | null;
  /** ARF Feedback-Type, e.g. "abuse", "opt-out". */
  feedbackType: string | null;
}

/** What ties the message back to a member and list. */
export interface Identifiers {
  /** Addresses the bounce itself was delivered to (To, Delivered-To, X-Original-To, Envelope-To), lower-cased. */
  deliveredTo: string[];
  /** Headers of the original message, when the bounce carries them. */
  originalMessageId: string | null;
  originalListId: string | null;
  /** Value of the X-Listkeeper-* tracking header of the original message (post/member), if present. */
  originalTracking: string | null;
  originalFrom: string | null;
  originalTo: string | null;
  originalSubject: string | null;
}

export interface Classification {
  kind: MessageKind;
  recipients: FailedRecipient[];
  complaint: Complaint | null;
  ids: Identifiers;
  /** The message's own headers, for display and storage. */
  messageId: string | null;
  subject: string | null;
  from: string | null;
  /** Why the classifier decided as it did (e.g. "dsn", "arf", "auto-submitted", "qmail", "refused: too many parts"). */
  detector: string;
}
