// Handlebars for server-rendered pages. {{ }} escapes HTML; only trusted, pre-built markup uses {{{ }}}.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hbs.registerHelper('number', (v: unknown) =>
    typeof v === 'number' ? v.toLocaleString('en-US') : v === null || v === undefined ? '' : String(v),
  );
  hbs.registerHelper('date', (v: unknown) => {
    if (v instanceof Date) return v.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
    return v === null || v === undefined ? '' : String(v);
  });
  return hbs;
}

/** Every templates/partials/*.hbs, by base name, for @fastify/view's handlebars options. */
export function partials(): Record<string, string> {
  const dir = path.join(TEMPLATES_DIR, 'partials');
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.hbs')) out[f.slice(0, -4)] = `partials/${f}`;
  }
  return out;
}
