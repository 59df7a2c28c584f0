// Regenerates test/fixtures/mta/: real delivery failure notices made by real MTAs (Postfix, Exim, OpenSMTPD,
// Sendmail) against scripted SMTP servers, labelled from the script (scripts/mta-fixtures/cases.ts).
//   npm run fixtures:mta                       all MTAs
//   npm run fixtures:mta -- --mta exim,sendmail  only these (the others' fixtures and labels are kept)
//   --out DIR (default test/fixtures/mta)   --keep (keep the temp dirs: configs, queues, MTA logs)
// Needs root (the MTAs start as root; Exim and OpenSMTPD run in a private mount namespace), apt-get and dpkg-deb
// (Exim, OpenSMTPD and Sendmail are downloaded and unpacked, not installed), and about a minute per MTA.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MtaInstance, MtaName, MtaOptions, MtaTiming } from '../test/env/mta/common.js';
import { startExim } from '../test/env/mta/exim.js';
import { startOpenSmtpd } from '../test/env/mta/opensmtpd.js';
import { startPostfix } from '../test/env/mta/postfix.js';
import { startSendmail } from '../test/env/mta/sendmail.js';
import { runMta, type Label } from './mta-fixtures/run.js';

interface MtaEntry {
  start: (opts: MtaOptions) => Promise<MtaInstance>;
  timing: MtaTiming;
  acceptAfterSeconds: number;
  temporaryAsNotices?: boolean;
  finalNote?: string;
}

// Warning and give-up times far enough apart that a notice's arrival time says which it is (see run.ts).
const MTAS: Record<MtaName, MtaEntry | null> = {
  postfix: { start: startPostfix, timing: { retrySeconds: 2, warnSeconds: 12, giveUpSeconds: 36 }, acceptAfterSeconds: 22 },
  exim: { start: startExim, timing: { retrySeconds: 2, warnSeconds: 12, giveUpSeconds: 36 }, acceptAfterSeconds: 22 },
  opensmtpd: {
    start: startOpenSmtpd,
    timing: { retrySeconds: 2, warnSeconds: 12, giveUpSeconds: 36 },
    acceptAfterSeconds: 22,
    finalNote:
      'OpenSMTPD 6.8 words this final notice like a warning (Subject "Delivery status notification: delayed", Action: delayed, ' +
      'Status: 4.4.7, "Envelope expired", "kept in the queue for up to 7 days"), but its log says the envelope expired and it was removed: ' +
      'nothing more will be tried. ',
  },
  // Sendmail sends no delay warning for mail of negative precedence (Precedence: bulk/list/junk, i.e. list posts):
  // its temporary cases are sent as the app's member notices, which have no Precedence header.
  sendmail: {
    start: startSendmail,
    timing: { retrySeconds: 2, warnSeconds: 12, giveUpSeconds: 36 },
    acceptAfterSeconds: 22,
    temporaryAsNotices: true,
  },
};

const { values } = parseArgs({
  options: {
    mta: { type: 'string', default: 'postfix,exim,opensmtpd,sendmail' },
    out: { type: 'string', default: path.join('test', 'fixtures', 'mta') },
    keep: { type: 'boolean', default: false },
  },
});
const out = path.resolve(values.out);
const wanted = values.mta.split(',').map((s) => s.trim()) as MtaName[];
for (const m of wanted) if (!(m in MTAS)) throw new Error(`unknown MTA ${m} (known: ${Object.keys(MTAS).join(', ')})`);
const log = (line: string): void => console.error(`[fixtures:mta] ${line}`);

const messagesDir = path.join(out, 'messages');
mkdirSync(messagesDir, { recursive: true });
const labelsFile = path.join(out, 'labels.jsonl');
let labels: Label[] = existsSync(labelsFile)
  ? readFileSync(labelsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Label)
  : [];

let failed = false;
for (const name of wanted) {
  const entry = MTAS[name];
  if (!entry) {
    log(`${name}: no runner yet, skipped`);
    continue;
  }
  log(`${name}: starting`);
  let result;
  try {
    result = await runMta({ mta: name, ...entry, keep: values.keep, log });
  } catch (err) {
    failed = true;
    log(`${name}: FAILED: ${(err as Error).stack ?? err}`);
    continue;
  }
  for (const p of result.problems) log(`${name}: problem: ${p}`);
  // Replace this MTA's fixtures wholesale: a case that no longer produces a notice must not linger.
  for (const f of readdirSync(messagesDir)) if (f.startsWith(`${name}--`)) rmSync(path.join(messagesDir, f));
  labels = labels.filter((l) => l.set !== name);
  for (const f of result.fixtures) {
    writeFileSync(path.join(messagesDir, `${f.name}.eml`), f.raw);
    labels.push(f.label);
  }
  const kinds = result.fixtures.reduce<Record<string, number>>((acc, f) => ((acc[f.label.kind] = (acc[f.label.kind] ?? 0) + 1), acc), {});
  log(`${name} ${result.version}: ${result.fixtures.length} notices (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}), ${result.problems.length} problems`);
}
labels.sort((a, b) => a.file.localeCompare(b.file));
writeFileSync(labelsFile, labels.map((l) => JSON.stringify(l)).join('\n') + '\n');
log(`wrote ${labels.length} labels to ${path.relative(process.cwd(), labelsFile)}`);
process.exit(failed ? 1 : 0);
