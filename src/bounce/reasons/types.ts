// What one reason file knows: the RFC 3463 statuses, SMTP reply codes and lower-case phrases that
// name the reason. The rules that choose between reasons live once, in reasons/index.ts.

import type { Category, Reason } from '../types.js';

export interface ReasonRule {
  reason: Reason;
  category: Category;
  /**
   * RFC 3463 / RFC 5248 statuses that name this reason outright. Written without the class ("2.2")
   * or with it ("4.4.1") when the meaning depends on the class. A decisive status fixes the category;
   * text may only choose another reason of the same category (reasons/index.ts).
   */
  decisive?: readonly string[];
  /** Statuses that mean this reason when nothing more specific is said: text wins over them. */
  statuses?: readonly string[];
  /** SMTP reply codes (RFC 5321 and its extensions) that mean this reason when nothing else does. */
  replyCodes?: readonly string[];
  /** Lower-case literal phrases, matched in single-spaced, lower-cased diagnostic text. */
  phrases?: readonly string[];
  /** Generic wordings that mean this reason only when no reason's phrases or patterns matched. */
  weak?: readonly string[];
  /**
   * Provider error codes that name this reason exactly (Orange's "OFR_416", Outlook.com's "SC-001"):
   * they win over every phrase and over the status the provider attached to them.
   */
  exact?: readonly RegExp[];
  /** Small patterns for phrase families that literal strings cannot say (lower-case, no flags needed). */
  patterns?: readonly RegExp[];
}
