// End to end, no mocks: posts sent through the real test Postfix with a VERP return path; the DSNs Postfix
// produces land in a Dovecot mailbox; the running poller (IDLE + NOOP) picks them up and scores the members.
import { describe, expect, it } from 'vitest';
import { postfixInfo, sendViaPostfix, unknownUserAddress } from '../../helpers/mail.js';
import { addDelivery, addMember, createList, folderCounts, memberScores, pollerFor, tracking, verpFor, waitUntil, withMailboxContext } from './fixtures.js';

// A fresh Dovecot mailbox (with its own bounce domain) and database per test.
const env = withMailboxContext();

describe('bounces from a real MTA', () => {
  it('unknown local user and remote 550 score hard, a 452 is recorded as an unscored delay and the delivery delayed', async () => {
    const p = postfixInfo();
    const list = await createList(env.ctx.db, 'dev');
    const unknown = unknownUserAddress();
    const gone = `gone${Date.now()}@${p.rejectDomain}`;
    const full = `full${Date.now()}@${p.deferDomain}`;
    const members: Record<string, { id: number; delivery: number }> = {};
    for (const a of [unknown, gone, full]) {
      const id = await addMember(env.ctx.db, list.id, a);
      members[a] = { id, delivery: await addDelivery(env.ctx.db, list.id, id, a) };
    }

    const poller = pollerFor(env.ctx, env.mb, { pollMs: 200 });
    poller.start();
    try {
      for (const a of [unknown, gone, full]) {
        await sendViaPostfix({
          to: a,
          envelopeFrom: verpFor(env.ctx, 'dev', a, members[a].id),
          from: `dev@${env.mb.bounceDomain}`,
          subject: 'Issue 1',
          headers: { 'X-Listkeeper-Tracking': tracking(env.ctx, members[a].delivery) },
        });
      }
      const events = await waitUntil(
        'two bounces and a delay',
        async () => {
          const rows = await env.ctx.db.selectFrom('bounce_events').selectAll().orderBy('id').execute();
          return rows.length >= 3 && rows.some((r) => r.kind === 'delay') ? rows : null;
        },
        25_000,
      );
      const byAddress = Object.fromEntries(events.map((e) => [e.address, e]));
      expect(byAddress[unknown]).toMatchObject({ kind: 'bounce', category: 'hard', source: 'imap', member_id: members[unknown].id });
      expect(byAddress[gone]).toMatchObject({ kind: 'bounce', category: 'hard', status: '5.1.1', member_id: members[gone].id });
      expect(byAddress[full]).toMatchObject({ kind: 'delay', weight: 0, scored_on: null, member_id: members[full].id });
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ [unknown]: 1, [gone]: 1, [full]: 0 });

      const deliveries = await env.ctx.db.selectFrom('deliveries').select(['address', 'status', 'bounce_category', 'last_error']).execute();
      expect(deliveries.find((d) => d.address === full)?.last_error).toMatch(/452/);
      expect(Object.fromEntries(deliveries.map((d) => [d.address, [d.status, d.bounce_category]]))).toEqual({
        [unknown]: ['bounced', 'hard'],
        [gone]: ['bounced', 'hard'],
        // Not 'deferred': that would make our own queue send the post again while Postfix still retries it.
        [full]: ['delayed', null],
      });
      expect(deliveries.length).toBe(3);

      // Every DSN is kept raw, linked to its event, and filed to Processed; the inbox is empty.
      const counts = await waitUntil('the DSNs moved', async () => {
        const c = await folderCounts(env.mb);
        return c.Processed === 3 && c.INBOX === 0 ? c : null;
      });
      expect(counts).toMatchObject({ INBOX: 0, Processed: 3, Unrecognised: 0, Unprocessed: 0 });
      const stored = await env.ctx.db.selectFrom('inbound_messages').select(['id', 'state', 'raw', 'moved_at']).execute();
      expect(stored).toHaveLength(3);
      for (const s of stored) {
        expect(s.state).toBe('processed');
        expect(Buffer.from(s.raw).toString('latin1')).toMatch(/delivery-status/i);
      }
      const status = poller.status();
      expect(status).toMatchObject({ connected: true, idleSupported: true, lastError: null });
      expect(status.processed).toBe(3);
    } finally {
      await poller.stop();
    }
    expect(poller.status().connected).toBe(false);
    const row = await env.ctx.db.selectFrom('mailbox_status').selectAll().where('name', '=', env.mb.account.user).executeTakeFirstOrThrow();
    expect(row.messages_processed).toBe(3);
    expect(row.last_success_at).not.toBeNull();
  });
});
