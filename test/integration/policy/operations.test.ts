// Section 5 operations, list settings and the threshold preview on both engines, with their audit entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/audit.js';
import { previewSettings } from '../../../src/lists/preview.js';
import { updateListSettings, validateListSettings, type ListSettings } from '../../../src/lists/settings.js';
import { reenable, removeMember, resetScore, resubscribe, unsubscribe } from '../../../src/members/operations.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { makeList, makeMembers } from './fixtures.js';

describe.each(ENGINES)('operations on %s', (engine) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ engine });
  }, 60_000);
  afterAll(async () => ctx?.close());

  const ADMIN: Actor = { type: 'staff', id: 7, label: 'admin@example.org' };
  const TODAY = '2026-05-20';
  const DISABLED = { status: 'disabled_by_bounce', score: 5, last_bounce_date: '2026-05-10', last_bounce_increment: 1, warnings_left: 2, warnings_sent: 1, last_warning_date: '2026-05-10', disabled_on: '2026-05-10' };

  const member = (id: number) => ctx.db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditOf = (id: number) => ctx.db.selectFrom('audit_log').selectAll().where('member_id', '=', id).orderBy('id').execute();

  describe('member operations', () => {
    it('re-enable of a disabled member starts clean and is audited; on an enabled member it does nothing', async () => {
      const listId = await makeList(ctx.db);
      const [d] = await makeMembers(ctx.db, listId, 1, DISABLED, 'dis');
      const [e] = await makeMembers(ctx.db, listId, 1, { score: 2 }, 'en');
      const r = await reenable(ctx.db, ADMIN, d, TODAY);
      expect(r).toMatchObject({ ok: true, changed: true });
      expect(await member(d)).toMatchObject({ status: 'enabled', score: 0, last_bounce_date: null, warnings_left: 0, warnings_sent: 0, last_warning_date: null, disabled_on: null });
      const audit = await auditOf(d);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'member.reenabled', actor_type: 'staff', actor_id: 7, list_id: listId });
      expect(audit[0].details).toMatchObject({ before: { status: 'disabled_by_bounce', score: 5 }, after: { status: 'enabled', score: 0 } });
      expect(await reenable(ctx.db, ADMIN, e, TODAY)).toMatchObject({ ok: true, changed: false });
      expect((await member(e)).score).toBe(2);
      expect(await auditOf(e)).toHaveLength(0);
    });

    it('reset score keeps the status; remove, unsubscribe and resubscribe follow the spec', async () => {
      const listId = await makeList(ctx.db);
      const [d] = await makeMembers(ctx.db, listId, 1, DISABLED, 'x');
      await resetScore(ctx.db, ADMIN, d, TODAY);
      expect(await member(d)).toMatchObject({ status: 'disabled_by_bounce', score: 0, last_bounce_date: null });
      await unsubscribe(ctx.db, { type: 'member', id: d, label: 'x0@example.org' }, d, TODAY);
      expect((await member(d)).status).toBe('unsubscribed');
      await resubscribe(ctx.db, { type: 'member', id: d, label: 'x0@example.org' }, d, TODAY);
      expect(await member(d)).toMatchObject({ status: 'enabled', score: 0, warnings_sent: 0, disabled_on: null });
      await removeMember(ctx.db, ADMIN, d, TODAY);
      expect((await member(d)).status).toBe('removed');
      expect((await auditOf(d)).map((a) => a.action)).toEqual(['member.score_reset', 'member.unsubscribed', 'member.resubscribed', 'member.removed']);
      expect(await reenable(ctx.db, ADMIN, 999_999_999, TODAY)).toEqual({ ok: false, error: 'member_not_found', memberId: 999_999_999 });
    });
  });

  describe('list settings and the preview', () => {
    const valid = { threshold: '4', stale_after_days: '7', warnings: '3', warning_interval_days: '7', blocked_weight: '0', notify_owner_on_disable: true, notify_owner_on_removal: true, unsubscribe_on_complaint: true, process_bounces: true };

    it('refuses values out of range with a message per field', () => {
      const r = validateListSettings({ ...valid, threshold: '0', stale_after_days: '0', warnings: '-1', warning_interval_days: 'x', blocked_weight: '1' });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.threshold).toMatch(/greater than 0/);
      expect(r.errors.stale_after_days).toMatch(/between 1 and 365/);
      expect(r.errors.warnings).toMatch(/between 0 and 52/);
      expect(r.errors.warning_interval_days).toMatch(/whole number/);
      expect(r.errors.blocked_weight).toMatch(/0 .* or 0.5/);
      expect(validateListSettings(valid)).toMatchObject({ ok: true, settings: { threshold: 4, warnings: 3, blocked_weight: 0 } });
    });

    it('saves with the audit log holding before and after of what changed', async () => {
      const listId = await makeList(ctx.db);
      const checked = validateListSettings({ ...valid, threshold: '3.5', blocked_weight: '0.5' });
      if (!checked.ok) throw new Error('invalid');
      const r = await updateListSettings(ctx.db, ADMIN, listId, checked.settings);
      expect(r).toMatchObject({ ok: true, changed: { threshold: { before: 5, after: 3.5 }, blocked_weight: { before: 0, after: 0.5 } } });
      const list = await ctx.db.selectFrom('lists').selectAll().where('id', '=', listId).executeTakeFirstOrThrow();
      expect(list).toMatchObject({ threshold: 3.5, blocked_weight: 0.5 });
      const audit = await ctx.db.selectFrom('audit_log').selectAll().where('list_id', '=', listId).execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'list.settings_updated', actor_id: 7, details: { before: { threshold: 5, blocked_weight: 0 }, after: { threshold: 3.5, blocked_weight: 0.5 } } });
      expect(await updateListSettings(ctx.db, ADMIN, 999_999, checked.settings)).toEqual({ ok: false, error: 'list_not_found' });
    });

    it('previews how many members the next run would disable with proposed settings', async () => {
      const listId = await makeList(ctx.db);
      await makeMembers(ctx.db, listId, 2, { score: 5 }, 'five');
      await makeMembers(ctx.db, listId, 3, { score: 3 }, 'three');
      await makeMembers(ctx.db, listId, 1, DISABLED, 'dis');
      await makeMembers(ctx.db, listId, 4, {}, 'zero');
      const settings = (over: Partial<ListSettings>): ListSettings => {
        const c = validateListSettings({ ...valid, ...over });
        if (!c.ok) throw new Error('invalid');
        return c.settings;
      };
      expect(await previewSettings(ctx.db, listId, settings({}), TODAY)).toMatchObject({
        wouldDisable: 2,
        currentlyWouldDisable: 2,
        bouncing: 5,
        disabled: 1,
        dueWarning: 1,
        dueRemoval: 0,
      });
      expect((await previewSettings(ctx.db, listId, settings({ threshold: 3 }), TODAY)).wouldDisable).toBe(5);
      expect((await previewSettings(ctx.db, listId, settings({ warning_interval_days: 14 }), TODAY)).dueWarning).toBe(0);
      expect((await previewSettings(ctx.db, listId, settings({ process_bounces: false }), TODAY)).wouldDisable).toBe(0);
    });
  });
});
