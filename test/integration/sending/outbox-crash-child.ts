// Child process of outbox-crash.test.ts: a sender writing to the file outbox (no SMTP_URL) on the test's
// PostgreSQL (DATABASE_URL) or on a PGlite folder (DATA_DIR/pglite), until it is killed. After HANG_AFTER messages
// every further send hangs (as a process stuck or dying mid-batch would), so the kill finds claimed batches
// half written: some of their rows have an .eml, the others not. It says 'stuck' when the first send hangs.
import path from 'node:path';
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/index.js';
import { createLogger } from '../../../src/logger.js';
import { createMailTransport, type MailTransport } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';

const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite') });
const ctx = { config, db: handle.db, engine: handle.engine, clock: systemClock(), logger: createLogger('silent') };
const outbox = createMailTransport(config);
const hangAfter = Number(process.env.HANG_AFTER ?? Infinity);
let sent = 0;
const transport: MailTransport = {
  kind: outbox.kind,
  outbox: outbox.outbox,
  send(mail) {
    if (++sent <= hangAfter) return outbox.send(mail);
    if (sent === hangAfter + 1) process.send?.('stuck');
    return new Promise(() => {});
  },
  close: () => outbox.close(),
};
new Sender(ctx, { transport, lanes: 2, batchSize: 40, idleMs: 50 }).start();
