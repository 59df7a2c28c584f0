// The same repository-level round trip on PostgreSQL and on PGlite must give the same values with the same JS types.
// (bytea: pg gives a Buffer; PGlite needs a BYTEA parser in src/db/index.ts to match, e.g. v => Buffer.from(v.slice(2), "hex").)
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../../../src/db/index.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from '../../helpers/db.js';

/** A value's shape: its JS type, recursively, so two engines can be compared exactly. */
function shape(v: unknown): unknown {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (v instanceof Date) return 'Date';
  if (Array.isArray(v)) return v.map(shape);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

/** Drops what legitimately differs between two runs (ids, timestamps) but keeps their types. */
function stable(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, x instanceof Date || k === 'id' || k.endsWith('_id') ? typeof x === 'number' ? 'id' : `(${shape(x)})` : x]),
  );
}

async function roundTrip(db: Db) {
  const list = await db
    .insertInto('lists')
    .values({ name: 'dev', display_name: 'Developers', threshold: 5, blocked_weight: 0.5, owner_address: 'owner@example.org' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const members = await db
    .insertInto('members')
    .values([
      { list_id: list.id, address: 'alice@example.org', score: 0, last_bounce_increment: 0 },
      { list_id: list.id, address: 'bob@example.org', score: 1.5, last_bounce_increment: 1, last_bounce_date: '2026-11-20' },
    ])
    .returningAll()
    .execute();
  const inbound = await db
    .insertInto('inbound_messages')
    .values({
      source: 'imap',
      mailbox: 'bounces@127.0.0.1/INBOX',
      uidvalidity: 1732500000,
      uid: 7,
      content_hash: 'sha256:abc',
      raw: Buffer.from('Subject: x\r\n\r\nbody'),
      size: 19,
      classification: { kind: 'bounce', recipients: ['bob@example.org'] },
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('bounce_events')
    .values({
      list_id: list.id,
      member_id: members[1].id,
      inbound_message_id: inbound.id,
      source: 'imap',
      kind: 'bounce',
      category: 'hard',
      reason: 'user_unknown',
      address: 'bob@example.org',
      status: '5.1.1',
      event_date: '2026-11-25',
      weight: 1,
      scored_on: '2026-11-25',
    })
    .execute();
  await db.updateTable('members').set({ score: 2.5, last_bounce_date: '2026-11-25' }).where('id', '=', members[1].id).execute();

  const event = await db
    .selectFrom('bounce_events')
    .innerJoin('members', 'members.id', 'bounce_events.member_id')
    .innerJoin('inbound_messages', 'inbound_messages.id', 'bounce_events.inbound_message_id')
    .select([
      'bounce_events.id',
      'bounce_events.kind',
      'bounce_events.category',
      'bounce_events.status',
      'bounce_events.event_date',
      'bounce_events.weight',
      'bounce_events.scored_on',
      'bounce_events.created_at',
      'members.address',
      'members.score',
      'members.last_bounce_date',
      'inbound_messages.uidvalidity',
      'inbound_messages.raw',
      'inbound_messages.classification',
    ])
    .executeTakeFirstOrThrow();
  const count = await db.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { list: stable(list), members: members.map(stable), event: stable(event), count: count.n, raw: event.raw, eventShape: shape(event) };
}

describe('repository round trip: PostgreSQL and PGlite agree', () => {
  let pgDb: TestDatabase;
  let liteDb: TestDatabase;
  beforeAll(async () => {
    [pgDb, liteDb] = await Promise.all([createPostgresDatabase(), createPgliteDatabase()]);
  }, 120_000); // PGlite compiles its WASM per process: seconds on an idle machine, a minute on a loaded one
  afterAll(async () => {
    await Promise.all([pgDb?.drop(), liteDb?.drop()]);
  });

  test('create a list, add members, record a bounce event: same values and same JS types', async () => {
    const a = await roundTrip(pgDb.db);
    const b = await roundTrip(liteDb.db);
    expect(a.eventShape).toEqual(b.eventShape);
    expect(a.list).toEqual(b.list);
    expect(a.members).toEqual(b.members);
    expect(a.event).toEqual(b.event);
    expect(a.count).toBe(2);
    expect(b.count).toBe(2);
    expect(Buffer.from(a.raw).toString()).toBe('Subject: x\r\n\r\nbody');
    // the types the rest of the code relies on
    expect(a.eventShape).toMatchObject({ weight: 'number', score: 'number', event_date: 'string', uidvalidity: 'number', created_at: 'Date', classification: { kind: 'string' } });
    expect(a.event).toMatchObject({ event_date: '2026-11-25', weight: 1, score: 2.5, last_bounce_date: '2026-11-25', uidvalidity: 1732500000 });
  });
});
