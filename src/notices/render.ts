// Renders a queued notice into subject, text and HTML from templates/email/<type>.text.hbs (first line
// "Subject: ...") and <type>.html.hbs inside _layout.html.hbs. Links a payload does not carry are signed here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Db } from '../db/index.js';
import type { NoticeType } from '../db/schema.js';
import type { IsoDate } from '../dates.js';
import { linkUrl } from '../links/index.js';

export interface NoticeRow {
  id: number;
  list_id: number | null;
  member_id: number | null;
  to_address: string;
  type: NoticeType;
  audience: 'member' | 'owner';
  payload: Record<string, unknown>;
}

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
  /** For the envelope (VERP) and List-* headers; null for notices about no list. */
  list: { id: number; name: string; displayName: string } | null;
}

export type RenderResult = { ok: true; notice: RenderedNotice } | { ok: false; error: string };

interface Compiled {
  subject: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
}

const hbs = Handlebars.create();
const cache = new Map<NoticeType, Compiled>();
let layout: Handlebars.TemplateDelegate | null = null;

const EMAIL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/email');

function emailDir(): string {
  return EMAIL_DIR;
}

function compiled(type: NoticeType): Compiled {
  const hit = cache.get(type);
  if (hit) return hit;
  const textSrc = readFileSync(path.join(emailDir(), `${type}.text.hbs`), 'utf8');
  const m = /^Subject: (.*)\r?\n\r?\n?/.exec(textSrc);
  if (!m) throw new Error(`templates/email/${type}.text.hbs must start with a "Subject: ..." line`);
  const c: Compiled = {
    subject: hbs.compile(m[1], { noEscape: true, strict: false }),
    text: hbs.compile(textSrc.slice(m[0].length), { noEscape: true }),
    html: hbs.compile(readFileSync(path.join(emailDir(), `${type}.html.hbs`), 'utf8')),
  };
  cache.set(type, c);
  return c;
}

function wrap(body: string, vars: Record<string, unknown>): string {
  layout ??= hbs.compile(readFileSync(path.join(emailDir(), '_layout.html.hbs'), 'utf8'));
  return layout({ ...vars, body });
}

/** Builds the template values: the list, the member, signed links, then the payload (which wins). */
export async function noticeVars(
  db: Db,
  config: { baseUrl: string; secretKey: string },
  n: NoticeRow,
  today: IsoDate,
): Promise<{ vars: Record<string, unknown>; list: RenderedNotice['list'] } | { error: string }> {
  const payload = n.payload ?? {};
  const listId = n.list_id ?? (typeof payload.listId === 'number' ? payload.listId : null);
  const memberId = n.member_id ?? (typeof payload.memberId === 'number' ? payload.memberId : null);
  const list = listId === null ? undefined : await db.selectFrom('lists').select(['id', 'name', 'display_name']).where('id', '=', listId).executeTakeFirst();
  if (listId !== null && !list) return { error: `list ${listId} no longer exists` };
  const member =
    memberId === null
      ? undefined
      : await db.selectFrom('members').select(['id', 'address', 'display_name', 'status', 'score']).where('id', '=', memberId).executeTakeFirst();
  const vars: Record<string, unknown> = {
    baseUrl: config.baseUrl,
    to: n.to_address,
    listName: list?.name ?? '',
    listDisplayName: list?.display_name ?? list?.name ?? 'Listkeeper',
    address: member?.address ?? n.to_address,
    memberName: member?.display_name ?? '',
    memberStatus: member?.status ?? null,
    score: member?.score ?? null,
    listId: list?.id ?? null,
    memberId: member?.id ?? null,
  };
  if (list && member && n.audience === 'member') {
    vars.unsubscribeUrl = linkUrl(config, 'unsubscribe', member.id, list.id, today);
    vars.manageUrl = linkUrl(config, 'manage', member.id, list.id, today);
    if (n.type === 'disabled' || n.type === 'warning') vars.reenableUrl = linkUrl(config, 'reenable', member.id, list.id, today);
    // Bound to this notice (the subscribe request), so the link works once (subscribe-requests.ts).
    if (n.type === 'confirm') vars.confirmUrl = linkUrl(config, 'confirm', member.id, list.id, today, n.id);
  }
  if (list && member && n.audience === 'owner') vars.memberAddress = member.address;
  Object.assign(vars, payload);
  return { vars, list: list ? { id: list.id, name: list.name, displayName: list.display_name } : null };
}

export async function renderNotice(
  db: Db,
  config: { baseUrl: string; secretKey: string },
  n: NoticeRow,
  today: IsoDate,
): Promise<RenderResult> {
  const built = await noticeVars(db, config, n, today);
  if ('error' in built) return { ok: false, error: built.error };
  try {
    const t = compiled(n.type);
    const subject = t.subject(built.vars).replace(/[\r\n]+/g, ' ').trim();
    return {
      ok: true,
      notice: { subject, text: t.text(built.vars), html: wrap(t.html(built.vars), { ...built.vars, subject }), list: built.list },
    };
  } catch (e) {
    return { ok: false, error: `template: ${(e as Error).message}` };
  }
}
