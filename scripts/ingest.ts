// `npm run ingest -- file.eml …`: feed saved messages (bounces, complaints, anything) through the intake
// pipeline, as the IMAP poller would. Idempotent by content hash: a file given twice is handled once.
// When the server (`npm start`) already has the embedded database open, the messages go to it over HTTP: two
// processes must never open one PGlite folder.
// Exit code: 0 all handled (or already handled), 1 some message failed or could not be read, 2 usage.
import { readFile } from 'node:fs/promises';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { DataFolderInUseError } from '../src/db/data-lock.js';
import { DatabaseUnavailableError } from '../src/intake/errors.js';
import { ingestThroughServer, localIngestToken, RemoteIngestError, type RemoteOutcome } from '../src/intake/local-door.js';
import { ingestMessage } from '../src/intake/pipeline.js';
import { createServices, type Services } from '../src/services.js';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0 || files.includes('--help')) {
  console.error('usage: npm run ingest -- <message.eml> [more.eml …]');
  process.exit(files.length === 0 ? 2 : 0);
}

// Files this process creates in the data folder are the owner's alone (secret, database).
process.umask(0o077);
loadDotEnv();
const config = loadConfig();

let services: Services | null = null;
let ingest: (raw: Buffer) => Promise<RemoteOutcome>;
try {
  services = await createServices(config);
  const ctx = services;
  ingest = (raw) => ingestMessage(ctx, raw, { source: 'cli' });
} catch (err) {
  if (!(err instanceof DataFolderInUseError)) throw err;
  const url = err.owner.url;
  if (!url) {
    console.error(`ingest: ${err.message}. It is not serving HTTP yet; try again in a moment.`);
    process.exit(1);
  }
  console.error(`ingest: the server (pid ${err.owner.pid}) has the database open; handing the messages to it at ${url}`);
  const token = localIngestToken(config.secretKey);
  ingest = (raw) => ingestThroughServer(url, token, raw);
}

let bad = 0;
try {
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      console.error(`${file}: cannot read: ${(err as Error).message}`);
      bad++;
      continue;
    }
    try {
      const o = await ingest(raw);
      const what = o.duplicate ? 'already handled' : `${o.kind ?? 'unclassified'}, ${o.events} event(s), ${o.scored} scored`;
      console.log(`${file}: ${o.state} → ${o.folder} (#${o.inboundId ?? '-'}; ${what})${o.error ? `: ${o.error}` : ''}`);
      if (o.state === 'failed') bad++;
    } catch (err) {
      if (err instanceof DatabaseUnavailableError || (err instanceof RemoteIngestError && err.retryLater)) {
        console.error(`${file}: ${err.message}; nothing stored, run again later`);
        bad++;
        break;
      }
      if (err instanceof RemoteIngestError) {
        console.error(`${file}: ${err.message}`);
        bad++;
        continue;
      }
      throw err;
    }
  }
} finally {
  await services?.close();
}
process.exit(bad > 0 ? 1 : 0);
