// Classifier throughput: the labelled corpus repeated to at least 10,000 messages, classified in
// one process. Last line: RESULT classify_rate <n> msg/s.
// Usage: npm run bench:classify [-- CORPUS_DIR]   (default ../shared/bounce-corpus)

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { classify } from '../src/bounce/classify.js';

const MIN_MESSAGES = 10_000;
const dir = resolve(process.argv[2] ?? join(process.cwd(), '..', 'shared', 'bounce-corpus'));
const messagesDir = existsSync(join(dir, 'messages')) ? join(dir, 'messages') : dir;
if (!existsSync(messagesDir)) {
  console.error(`bench:classify: corpus not found at ${messagesDir}`);
  process.exit(2);
}
const files = readdirSync(messagesDir)
  .filter((f) => f.endsWith('.eml'))
  .map((f) => readFileSync(join(messagesDir, f)));
const rounds = Math.ceil(MIN_MESSAGES / files.length);
const bytes = files.reduce((n, b) => n + b.length, 0);

// Warm-up round so the figure is the steady state, not the JIT.
for (const f of files) classify(f);

const kinds = new Map<string, number>();
const cpu0 = process.cpuUsage();
const start = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const f of files) {
    const c = classify(f);
    if (r === 0) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
  }
}
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const total = rounds * files.length;
const rate = total / seconds;
console.log(`corpus: ${messagesDir} (${files.length} messages, ${(bytes / 1024).toFixed(0)} KiB)`);
console.log(`kinds (one round): ${[...kinds].map(([k, n]) => `${k}=${n}`).join(' ')}`);
console.log(`classified ${total} messages in ${seconds.toFixed(2)} s (${((bytes * rounds) / seconds / 1e6).toFixed(1)} MB/s)`);
console.log(`cpu time ${cpuSeconds.toFixed(2)} s: ${Math.round(total / cpuSeconds)} msg per cpu-second (less sensitive to a busy machine)`);
console.log(`RESULT classify_rate ${Math.round(rate)} msg/s`);
