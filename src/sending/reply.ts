// What an SMTP server's answer at send time means for one recipient. Pure: (reply code, reply text) -> outcome.
// A 5xx is a bounce like any DSN (bounce-policy.md §1, last paragraph): its reason and category come from the
// same detector the classifier uses, so a "550 5.7.1 blocked by Spamhaus" is `blocked`, not the member's fault.
import { detectReason } from '../bounce/reasons/index.js';
import type { Category, Reason } from '../bounce/types.js';

export type ReplyOutcome =
  | { kind: 'accepted' }
  /** 4xx, or the connection failed: try again later. `ours` = no server answer at all (our network, their MX down). */
  | { kind: 'temporary'; code: number | null; text: string; ours: boolean }
  | { kind: 'permanent'; code: number; text: string; status: string | null; reason: Reason; category: Category };

/** Bounded, single-line reply text: it is stored and shown. */
export function cleanReply(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 500 ? `${t.slice(0, 497)}...` : t;
}

export function classifyReply(code: number | null, text: string): ReplyOutcome {
  const clean = cleanReply(text);
  if (code === null) return { kind: 'temporary', code: null, text: clean, ours: true };
  if (code >= 200 && code < 400) return { kind: 'accepted' };
  if (code >= 400 && code < 500) return { kind: 'temporary', code, text: clean, ours: false };
  const withCode = /^\s*[245]\d\d\b/.test(clean) ? clean : `${code} ${clean}`;
  const r = detectReason({ status: null, texts: [withCode], final: true });
  return { kind: 'permanent', code, text: withCode, status: r.status, reason: r.reason, category: r.category };
}

/** The final failure after retries ran out: the last 4xx, given up on (soft, `expired`, per spec §1). */
export function expiredReply(code: number | null, text: string): Extract<ReplyOutcome, { kind: 'permanent' }> {
  const clean = cleanReply(text);
  const r = detectReason({ status: null, texts: [clean], final: true });
  const soft = r.category === 'hard' ? { reason: 'expired' as const, category: 'soft' as const } : r;
  return { kind: 'permanent', code: code ?? 0, text: clean, status: r.status, reason: soft.reason, category: soft.category };
}

/** Delay before the next attempt after `attempts` failed ones; null = give up. */
export function retryDelayMs(attempts: number, schedule: readonly number[]): number | null {
  return attempts >= 1 && attempts <= schedule.length ? schedule[attempts - 1] : null;
}
