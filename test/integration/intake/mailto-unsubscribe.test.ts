// The mailto: of List-Unsubscribe (RFC 2369, RFC 8058 section 3.1) end to end: a post goes to the file
// outbox; its List-Unsubscribe carries a signed `<list>-unsubscribe+…@BOUNCE_DOMAIN` address; a reply to it
// goes through the real Postfix into the Dovecot bounce mailbox; the poller unsubscribes that member (as the
// member, with the unsubscribed notice), files it in Processed, and does it once. Forged and unsigned
// addresses change nothing and go to Unprocessed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { linkToken } from '../../../src/links/index.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { sendViaPostfix } from '../../helpers/mail.js';
import { createListWithMembers } from '../sending/fixtures.js';
import { appendAll, folderCounts, pollerFor, waitUntil, withMailboxContext } from './fixtures.js';

const env = withMailboxContext();

function reply(to: string, from: string, extra: string[] = []): Buffer {
  return Buffer.from(
    [`From: <${from}>`, `To: <${to}>`, 'Subject: unsubscribe', `Message-ID: <${Math.random().toString(36).slice(2)}@ok.example.test>`, ...extra, '', 'unsubscribe', ''].join(
      '\r\n',
    ),
  );
}

describe('mail to the List-Unsubscribe mailto address', () => {
  it('unsubscribes the member it was signed for, once; forged and unsigned addresses change nothing', async () => {
    const { ctx } = env;
    const { listId, members } = await createListWithMembers(ctx.db, 'news', ['rose@ok.example.test', 'tulip@ok.example.test']);
    const rose = members.get('rose@ok.example.test') as number;
    const tulip = members.get('tulip@ok.example.test') as number;

    // A post through the file outbox; the mailto is read from what was written.
    const created = await createPost(ctx.db, SYSTEM, { listId, subject: 'Issue 1', text: 'Hello {{address}}', html: null }, ctx.clock);
    if (!created.ok) throw new Error(JSON.stringify(created));
    await startPost(ctx.db, SYSTEM, created.postId, ctx.clock);
    const sender = new Sender(ctx);
    await sender.drain();
    await sender.stop();
    const dir = outboxDir(ctx.config.dataDir);
    const mailto = new Map<string, string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
      const mail = await simpleParser(readFileSync(path.join(dir, f)));
      const header = mail.headerLines.find((l) => l.key === 'list-unsubscribe')?.line ?? '';
      const m = /<mailto:([^?>]+)(\?[^>]*)?>/.exec(header);
      if (m) mailto.set((mail.to as { text: string }).text, m[1]);
    }
    const roseAddress = mailto.get('rose@ok.example.test') as string;
    expect(roseAddress).toMatch(new RegExp(`^news-unsubscribe\\+${rose}\\.[0-9a-f]{16}@${ctx.config.bounceDomain.replace(/\./g, '\\.')}$`));
    const tulipAddress = mailto.get('tulip@ok.example.test') as string;

    // Rose's mail client answers the mailto, through the real MTA (which adds Delivered-To).
    await sendViaPostfix({ to: roseAddress, envelopeFrom: 'rose@ok.example.test', from: 'rose@ok.example.test', subject: 'unsubscribe', text: 'unsubscribe' });
    await waitUntil('the reply delivered to the mailbox', async () => (await folderCounts(env.mb)).INBOX === 1, 15_000);
    const forged = tulipAddress.replace(/\.[0-9a-f]{16}@/, '.0123456789abcdef@');
    const moved = tulipAddress.replace(`+${tulip}.`, `+${rose}.`); // tulip's signature on rose's id
    const unsigned = `news-unsubscribe@${ctx.config.bounceDomain}`;
    const second = reply(roseAddress, 'rose@ok.example.test');
    await appendAll(env.mb, [
      reply(forged, 'tulip@ok.example.test'),
      reply(moved, 'tulip@ok.example.test'),
      // The legacy form with a valid link token in the subject: content does not count, only the address.
      reply(unsigned, 'tulip@ok.example.test', [`X-Token: ${linkToken(ctx.config.secretKey, 'unsubscribe', tulip, listId, ctx.clock.today())}`]),
      // Apple Mail's one-click answer would otherwise be read as an opt-out complaint naming tulip.
      reply(forged, 'tulip@ok.example.test', ['X-Apple-Unsubscribe: true']),
      second,
      second, // the same bytes again
    ]);

    const poller = pollerFor(ctx, env.mb);
    const pass = await poller.runOnce();
    await poller.disconnect();
    expect(pass).toMatchObject({ seen: 7, failed: 0, moved: 7, byFolder: { Processed: 3, Unprocessed: 4 } });
    expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 3, Unprocessed: 4 });

    const status = async (id: number) =>
      (await ctx.db.selectFrom('members').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await status(rose)).toBe('unsubscribed');
    expect(await status(tulip)).toBe('enabled');
    const audits = await ctx.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_label', 'member_id', 'details']).where('action', '=', 'member.unsubscribed').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'member', actor_label: 'rose@ok.example.test', member_id: rose });
    const notices = await ctx.db.selectFrom('notices').select(['type', 'member_id', 'to_address']).where('type', '=', 'unsubscribed').execute();
    expect(notices).toEqual([{ type: 'unsubscribed', member_id: rose, to_address: 'rose@ok.example.test' }]);
    expect(await ctx.db.selectFrom('bounce_events').select('id').execute()).toHaveLength(0);

    // Seen again (put back in the inbox), nothing changes.
    await appendAll(env.mb, [second]);
    const again = pollerFor(ctx, env.mb);
    expect(await again.runOnce()).toMatchObject({ seen: 1, handled: 0, duplicates: 1, byFolder: { Processed: 1 } });
    await again.disconnect();
    expect(await ctx.db.selectFrom('notices').select('id').where('type', '=', 'unsubscribed').execute()).toHaveLength(1);
    expect(await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'member.unsubscribed').execute()).toHaveLength(1);
  }, 60_000);
});
