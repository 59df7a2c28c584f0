// A mailbox of 1,000 mixed messages: the labelled bounce corpus appended over IMAP (each copy made distinct),
// plus auto-replies from members and human mail. Every bounce scored once, nothing deleted, non-bounces in
// Unprocessed; a second delivery of everything changes nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/bounce/classify.js';
import type { Classification } from '../../../src/bounce/types.js';
import { recipientFor } from '../../../src/intake/clues.js';
import { connectImap } from '../../helpers/mail.js';
import { appendAll, createList, folderCounts, memberScores, pollerFor, withMailboxContext } from './fixtures.js';

// The labelled corpus beside the repository (../shared/bounce-corpus); the test is skipped, visibly, without it.
const CORPUS = path.resolve(import.meta.dirname, '../../../../shared/bounce-corpus/messages');
const present = existsSync(CORPUS);
if (!present) console.warn(`[mixed mailbox] corpus not found at ${CORPUS}: the test is skipped`);
const TOTAL = 1000;
const AUTOREPLIES = 30;
const HUMAN = 30;

// A fresh Dovecot mailbox (with its own bounce domain) and database per test.
const env = withMailboxContext();

/** The sample with an mbox `From ` line dropped and a header that makes each copy distinct bytes. */
function distinctCopy(sample: Buffer, n: number): Buffer {
  let text = sample.toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return Buffer.from(`X-Test-Copy: ${n}${eol}${text}`, 'latin1');
}

function autoreply(from: string, n: number): Buffer {
  return Buffer.from(
    [
      `From: ${from}`,
      `To: dev@${env.mb.bounceDomain}`,
      'Subject: Out of office: Issue 1',
      `Message-ID: <ooo-${n}@example.org>`,
      'Date: Thu, 01 Jan 2026 12:00:00 +0000',
      'Auto-Submitted: auto-replied',
      'X-Autoreply: yes',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'I am out of the office until Monday and will read your message when I return.',
      '',
    ].join('\r\n'),
  );
}

function human(n: number): Buffer {
  return Buffer.from(
    [
      `From: Someone <someone${n}@example.net>`,
      `To: dev-bounces@${env.mb.bounceDomain}`,
      `Subject: Question about the list (${n})`,
      `Message-ID: <human-${n}@example.net>`,
      'Date: Thu, 01 Jan 2026 12:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello, how do I change the address I receive the list at? Thanks.',
      '',
    ].join('\r\n'),
  );
}

const WEIGHT = { hard: 1, soft: 0.5, blocked: 0 } as const;
const validAddress = (a: string | null | undefined): a is string => !!a && /^[^@\s]+@[^@\s]+$/.test(a) && a === a.trim().toLowerCase();

describe.skipIf(!present)('a mailbox of 1,000 mixed messages', () => {
  it('scores every bounce once, deletes nothing, files non-bounces to Unprocessed, and a redelivery changes nothing', async () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
    const messages: Buffer[] = [];
    for (let i = 0; messages.length < TOTAL - AUTOREPLIES - HUMAN; i++) {
      messages.push(distinctCopy(readFileSync(path.join(CORPUS, files[i % files.length])), i));
    }
    const autoreplyFrom = Array.from({ length: AUTOREPLIES }, (_, i) => `traveller${i}@example.org`);
    autoreplyFrom.forEach((a, i) => messages.push(autoreply(a, i)));
    for (let i = 0; i < HUMAN; i++) messages.push(human(i));
    expect(messages).toHaveLength(TOTAL);

    // Members: everyone the classifier names as failed or complained about, and the travellers.
    const classified: Classification[] = messages.map((m) => classify(m));
    const list = await createList(env.ctx.db, 'dev');
    const addresses = new Set<string>(autoreplyFrom);
    const complained = new Set<string>();
    for (const c of classified) {
      if (c.kind === 'bounce' || c.kind === 'delay' || c.kind === 'complaint') {
        for (const r of c.recipients) if (validAddress(r.address)) addresses.add(r.address);
      }
      if (c.kind === 'complaint') {
        for (const a of [c.complaint?.address, ...c.recipients.map((r) => r.address)]) if (validAddress(a)) complained.add(a);
      }
    }
    for (let i = 0, all = [...addresses]; i < all.length; i += 500) {
      await env.ctx.db
        .insertInto('members')
        .values(all.slice(i, i + 500).map((address) => ({ list_id: list.id, address })))
        .execute();
    }

    // Expected: per bounce message, one event per distinct member it names; per member, the day's largest weight.
    const expectedScore = new Map<string, number>();
    let expectedBounceEvents = 0;
    for (const c of classified) {
      if (c.kind !== 'bounce') continue;
      const named = new Set(c.recipients.map((r) => r.address).filter(validAddress));
      expectedBounceEvents += named.size;
      for (const a of named) {
        const w = WEIGHT[(recipientFor(c, a) ?? { category: 'hard' as const }).category];
        expectedScore.set(a, Math.max(expectedScore.get(a) ?? 0, w));
      }
    }

    await appendAll(env.mb, messages);
    const poller = pollerFor(env.ctx, env.mb, { batchSize: 100 });
    const first = await poller.runOnce();
    expect(first).toMatchObject({ seen: TOTAL, handled: TOTAL, duplicates: 0, failed: 0, moved: TOTAL });

    const counts = await folderCounts(env.mb);
    expect(counts.INBOX).toBe(0);
    expect(counts.Processed + counts.Unrecognised + counts.Unprocessed).toBe(TOTAL);

    const rows = await env.ctx.db
      .selectFrom('inbound_messages')
      .select(['id', 'kind', 'state', 'target_folder', 'moved_at', 'uid', 'content_hash'])
      .execute();
    expect(rows).toHaveLength(TOTAL);
    expect(rows.every((r) => r.moved_at !== null)).toBe(true);
    const byFolder = (f: string): number => rows.filter((r) => r.target_folder === f).length;
    expect({ Processed: byFolder('Processed'), Unrecognised: byFolder('Unrecognised'), Unprocessed: byFolder('Unprocessed') }).toEqual({
      Processed: counts.Processed,
      Unrecognised: counts.Unrecognised,
      Unprocessed: counts.Unprocessed,
    });
    // Non-bounces wait for a person; the travellers' auto-replies are recorded against them (unscored).
    for (const r of rows.filter((x) => x.kind === 'other')) expect(r.state).toBe('unprocessed');
    expect(rows.filter((r) => r.kind === 'other').length).toBeGreaterThanOrEqual(HUMAN);
    const autoEvents = await env.ctx.db.selectFrom('bounce_events').select(['address', 'weight']).where('kind', '=', 'autoreply').execute();
    const repliedMembers = classified
      .filter((c) => c.kind === 'autoreply')
      .map((c) => c.from?.trim().toLowerCase())
      .filter((a): a is string => validAddress(a) && addresses.has(a));
    expect(new Set(autoEvents.map((e) => e.address))).toEqual(new Set([...autoreplyFrom, ...repliedMembers]));
    expect(autoEvents.every((e) => Number(e.weight) === 0)).toBe(true);

    // Every bounce once: one event per (message, member), no more; the scores are the day's largest weights.
    const bounceEvents = await env.ctx.db
      .selectFrom('bounce_events')
      .select(['inbound_message_id', 'address'])
      .where('kind', '=', 'bounce')
      .execute();
    expect(bounceEvents).toHaveLength(expectedBounceEvents);
    expect(new Set(bounceEvents.map((e) => `${e.inbound_message_id}|${e.address}`)).size).toBe(expectedBounceEvents);
    const scores = await memberScores(env.ctx.db, list.id);
    for (const [a, w] of expectedScore) {
      if (complained.has(a)) continue; // a complaint may have unsubscribed it before a later bounce
      expect({ a, score: scores[a] }).toEqual({ a, score: w });
    }
    const eventsBefore = (await env.ctx.db.selectFrom('bounce_events').select('id').execute()).length;

    // Everything delivered again (copied back into the inbox): handled as duplicates, nothing changes.
    const client = await connectImap(env.mb.account);
    for (const f of ['Processed', 'Unrecognised', 'Unprocessed']) {
      await client.mailboxOpen(f);
      if (client.mailbox && client.mailbox.exists > 0) await client.messageCopy('1:*', 'INBOX');
    }
    await client.logout();
    env.ctx.clock.advanceDays(1);
    const second = await poller.runOnce();
    await poller.disconnect();
    expect(second).toMatchObject({ seen: TOTAL, handled: 0, duplicates: TOTAL, moved: TOTAL });
    expect(await memberScores(env.ctx.db, list.id)).toEqual(scores);
    expect((await env.ctx.db.selectFrom('bounce_events').select('id').execute()).length).toBe(eventsBefore);
    const after = await folderCounts(env.mb);
    expect(after.INBOX).toBe(0);
    expect(after.Processed + after.Unrecognised + after.Unprocessed).toBe(2 * TOTAL);
  }, 240_000);
});
