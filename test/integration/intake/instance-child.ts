// One app instance in its own process, for two-instances.test.ts: the real services (config from the
// environment, PostgreSQL, the IMAP poller, the SMTP sender), started side by side with a twin on the same
// database and mailbox. Says `ready`, waits for `go` on stdin, then at once: runs the bounce job, imports
// IMPORT_FILE into IMPORT_LIST, and starts the poller and the sender; prints one JSON line per result; on
// `stop` stops them and prints its poller's figures.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SYSTEM } from '../../../src/audit.js';
import { loadConfig } from '../../../src/config.js';
import { startPollers } from '../../../src/intake/poller.js';
import { runBounceJob } from '../../../src/jobs/bounce-job.js';
import { parseMemberCsv } from '../../../src/members/csv.js';
import { importMembers } from '../../../src/members/imports.js';
import { startSender } from '../../../src/sending/worker.js';
import { createServices } from '../../../src/services.js';

const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const lines = createInterface({ input: process.stdin });
const next = (word: string) =>
  new Promise<void>((resolve) => {
    const on = (l: string) => {
      if (l.trim() !== word) return;
      lines.off('line', on);
      resolve();
    };
    lines.on('line', on);
  });

const services = await createServices(loadConfig(), { migrate: false });
const parsed = parseMemberCsv(readFileSync(process.env.IMPORT_FILE as string));
if ('error' in parsed) throw new Error(parsed.error);
await services.db.selectFrom('lists').select('id').limit(1).execute(); // a warm connection before the start line
const go = next('go');
const stop = next('stop');
say({ ready: true });
await go;

const pollers = startPollers(services, { batchSize: 100, pollMs: 200, backoffMinMs: 100, backoffMaxMs: 1000 });
const sender = startSender(services, { idleMs: 100 });
const job = runBounceJob(services, { batchSize: 50 }).then((r) => say({ job: r.status, disabled: r.totals.disabled }));
const imported = importMembers(services.db, SYSTEM, Number(process.env.IMPORT_LIST), parsed).then((o) =>
  say({ import: { added: o.added, refused: o.refused.length } }),
);
await Promise.all([job, imported]);

await stop;
await pollers.stop();
await sender.stop();
say({ poller: pollers.pollers[0].status() });
await services.close();
lines.close();
