// PostgreSQL text and jsonb refuse NUL characters and lone UTF-16 surrogates; hostile bounces carry both.
// Cleaning the classification once keeps such a message from turning into a "poison" database error.

const BAD = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(s: string, max = 100_000): string {
  const t = s.length > max ? s.slice(0, max) : s;
  return t.replace(BAD, '\ufffd');
}

/** A deep copy with every string cleaned. */
export function cleanDeep<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = cleanDeep(v);
    return out as T;
  }
  return value;
}
