// `npm run ingest -- file.eml …`: feed saved messages (bounces, complaints, anything) through the intake
// pipeline, as the IMAP poller would. Idempotent by content hash: a file given twice is handled once.
// Exit code: 0 all handled (or already handled), 1 some message failed or could not be read, 2 usage.
import { readFile } from 'node:fs/promises';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { DatabaseUnavailableError } from '../src/intake/errors.js';
import { ingestMessage } from '../src/intake/pipeline.js';
import { createServices } from '../src/services.js';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0 || files.includes('--help')) {
  console.error('usage: npm run ingest -- <message.eml> [more.eml …]');
  process.exit(files.length === 0 ? 2 : 0);
}

loadDotEnv();
const services = await createServices(loadConfig());
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
      const o = await ingestMessage(services, raw, { source: 'cli' });
      const what = o.duplicate ? 'already handled' : `${o.kind ?? 'unclassified'}, ${o.events} event(s), ${o.scored} scored`;
      console.log(`${file}: ${o.state} → ${o.folder} (#${o.inboundId ?? '-'}; ${what})${o.error ? `: ${o.error}` : ''}`);
      if (o.state === 'failed') bad++;
    } catch (err) {
      if (err instanceof DatabaseUnavailableError) {
        console.error(`${file}: ${err.message}; nothing stored, run again later`);
        bad++;
        break;
      }
      throw err;
    }
  }
} finally {
  await services.close();
}
process.exit(bad > 0 ? 1 : 0);
