// The first site admin, created once when there is no staff account at all.
import type { AppContext } from '../services.js';
import { audit, SYSTEM } from '../audit.js';
import { generatePassword, hashPassword } from './passwords.js';

export interface FirstAdmin {
  email: string;
  password: string;
}

/** Creates a site admin when the staff table is empty; returns its one-time credentials, else null. */
export async function ensureFirstAdmin(ctx: Pick<AppContext, 'db' | 'config'>): Promise<FirstAdmin | null> {
  const existing = await ctx.db.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const created = await ctx.db.transaction().execute(async (trx) => {
    // Another instance may have won the race between the check and here.
    const row = await trx
      .insertInto('staff_users')
      .values({
        email: ctx.config.adminEmail,
        name: 'Site admin',
        password_hash: passwordHash,
        role: 'site_admin',
        must_change_password: true,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) await audit(trx, SYSTEM, { action: 'staff.created', details: { email: ctx.config.adminEmail, role: 'site_admin' } });
    return row;
  });
  return created ? { email: ctx.config.adminEmail, password } : null;
}
