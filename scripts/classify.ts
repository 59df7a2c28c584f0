// bounce-eval protocol: message paths on stdin (one a line), one JSON line per message on stdout.
// Usage: npm run classify < paths.txt

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { classify } from '../src/bounce/classify.js';

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out: string[] = [];
const flush = () => {
  if (out.length > 0) process.stdout.write(out.join(''));
  out.length = 0;
};

for await (const line of rl) {
  const file = line.trim();
  if (!file) continue;
  let answer: object;
  try {
    const c = classify(readFileSync(file));
    answer = {
      file,
      kind: c.kind,
      recipients: c.recipients.map((r) => ({
        address: r.address,
        status: r.status,
        reason: r.reason,
        category: r.category,
        hard: r.category === 'hard',
      })),
      detector: c.detector,
    };
  } catch (err) {
    answer = { file, kind: 'other', recipients: [], error: err instanceof Error ? err.message : String(err) };
  }
  out.push(JSON.stringify(answer) + '\n');
  if (out.length >= 64) flush();
}
flush();
