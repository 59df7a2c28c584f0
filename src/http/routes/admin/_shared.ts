// Helpers shared by the admin pages (not a route module: files starting with _ are not registered).
import type { MemberStatus } from '../../../db/schema.js';
import type { TrendDay } from '../../../lists/lists.js';
import { MEMBER_STATUSES } from '../../../lists/lists.js';
import { bigId, smallId } from '../../schemas.js';

export const STATUS_LABELS: Record<MemberStatus, string> = {
  enabled: 'Enabled',
  disabled_by_bounce: 'Disabled by bounces',
  pending: 'Awaiting confirmation',
  unsubscribed: 'Unsubscribed',
  removed: 'Removed',
};

export function parseStatus(v: unknown): MemberStatus | null {
  return typeof v === 'string' && (MEMBER_STATUSES as readonly string[]).includes(v) ? (v as MemberStatus) : null;
}

export function positiveInt(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function str(v: unknown, max = 1000): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

/** Fixed flash texts chosen by key, so a URL cannot put arbitrary words on the page. */
export const FLASHES: Record<string, { kind: 'ok' | 'error'; text: string }> = {
  password: { kind: 'ok', text: 'Your password is changed.' },
  list_created: { kind: 'ok', text: 'The list is created.' },
  list_saved: { kind: 'ok', text: 'The list is saved.' },
  member_added: { kind: 'ok', text: 'The member is added.' },
  reenable: { kind: 'ok', text: 'Delivery is re-enabled; the score is back to 0.' },
  reset_score: { kind: 'ok', text: 'The bounce score is reset to 0.' },
  remove: { kind: 'ok', text: 'The member is removed from the list.' },
  unchanged: { kind: 'error', text: 'Nothing changed: the action does not apply to this member’s status.' },
  staff_saved: { kind: 'ok', text: 'The account is saved.' },
};

export function flashFor(key: unknown): { kind: string; text: string } | undefined {
  // hasOwn: `?flash=constructor` must not find Object.prototype's.
  return typeof key === 'string' && Object.hasOwn(FLASHES, key) ? FLASHES[key] : undefined;
}

/**
 * A small stacked bar chart of daily bounces as inline SVG (numbers and dates only, so it is safe markup).
 * Hard bounces red, soft amber, blocked purple; a <title> per bar for a hover tooltip and screen readers.
 */
export function trendSvg(days: TrendDay[], opts: { width?: number; height?: number } = {}): string {
  const width = opts.width ?? 224;
  const height = opts.height ?? 48;
  const max = Math.max(1, ...days.map((d) => d.hard + d.soft + d.blocked));
  const bw = width / Math.max(days.length, 1);
  const scale = (height - 2) / max;
  const total = days.reduce((s, d) => s + d.hard + d.soft + d.blocked, 0);
  const bars = days
    .map((d, i) => {
      const x = (i * bw).toFixed(1);
      const w = Math.max(bw - 1, 1).toFixed(1);
      let y = height;
      const parts: string[] = [];
      for (const [n, cls] of [
        [d.hard, 'hard'],
        [d.soft, 'soft'],
        [d.blocked, 'blocked'],
      ] as const) {
        if (n <= 0) continue;
        const h = n * scale;
        y -= h;
        parts.push(`<rect class="bar-${cls}" x="${x}" y="${y.toFixed(1)}" width="${w}" height="${h.toFixed(1)}"/>`);
      }
      const label = `${d.date}: ${d.hard} hard, ${d.soft} soft, ${d.blocked} blocked`;
      return `<g><title>${label}</title><rect class="bar-bg" x="${x}" y="0" width="${w}" height="${height}"/>${parts.join('')}</g>`;
    })
    .join('');
  const first = days[0]?.date ?? '';
  const last = days[days.length - 1]?.date ?? '';
  return `<svg class="trend" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Bounces per day from ${first} to ${last}: ${total} in all">${bars}</svg>`;
}

/** Route params of a list's posts (HTML pages and the JSON API). */
export const postRouteParams = {
  type: 'object',
  required: ['listId'],
  properties: { listId: smallId, postId: bigId },
} as const;
