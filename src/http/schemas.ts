// JSON-schema pieces for route params, queries and bodies. Whatever passes them is safe to hand to the
// database: ids within their column's range, text without NUL (PostgreSQL refuses 0x00 in text), bounded sizes.
// What fails them is answered 400, as a page or JSON (plugins/errors.ts); a well-formed id of nothing is a 404.

/** lists.id and staff_users.id are `integer` (serial). */
const INT4_MAX = 2_147_483_647;

/** An id of an int4 column (lists, staff accounts). Fastify coerces the URL's text to a number. */
export const smallId = { type: 'integer', minimum: 1, maximum: INT4_MAX } as const;

/** An id of a bigint column (members, posts, events, imports, messages), within what a JS number holds exactly. */
export const bigId = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Text as typed in a form: any characters but NUL, at most `maxLength`. */
export function text(maxLength: number) {
  return { type: 'string', maxLength, pattern: '^[^\\u0000]*$' } as const;
}

/** One of a fixed set of words (never looked up on an object, so `constructor` or `__proto__` is just refused). */
export function oneOf<const T extends readonly string[]>(values: T) {
  return { type: 'string', enum: values } as const;
}

/** The form token staff and public forms carry. */
export const csrfField = text(200);

/** An object schema whose listed properties are all required (route params). */
export function params<const P extends Record<string, object>>(properties: P) {
  return { type: 'object', required: Object.keys(properties), properties } as const;
}

/** An object schema of optional fields (queries, form bodies); unknown fields are ignored. */
export function fields<const P extends Record<string, object>>(properties: P) {
  return { type: 'object', properties } as const;
}

/** Several ids from checkboxes: one value arrives as a string, several as an array. */
export function idList(item: typeof smallId | typeof bigId, maxItems = 10_000) {
  return { type: 'array', items: item, maxItems } as const;
}
