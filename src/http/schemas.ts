// JSON-schema pieces for route params, queries and bodies. Whatever passes them is safe to hand to the
// database: ids within their column's range, text without NUL (PostgreSQL refuses 0x00 in text), bounded sizes.
// What fails them is answered 400, as a page or JSON (plugins/errors.ts); a well-formed id of nothing is a 404.

/**
 * An id of an int4 column (lists, staff accounts): 1 to 999,999,999, as digits. Text with a pattern, not
 * `integer`: Ajv's coercion takes "0x10", " 5" and even "Infinity" for numbers. Handlers Number() it.
 */
export const smallId = { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } as const;

/** An id of a bigint column (members, posts, events, imports, messages): up to 15 digits, exact in a JS number. */
export const bigId = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } as const;

/**
 * Text as typed in a form: no NUL (PostgreSQL refuses it in text and JSON) and no lone surrogate (UTF-16 halves
 * no browser sends; PostgreSQL's JSON refuses their escapes), at most `maxLength` characters.
 */
export function text(maxLength: number) {
  return { type: 'string', maxLength, pattern: '^[^\\u0000\\ud800-\\udfff]*$' } as const;
}

/**
 * An address as typed: like text(), but control characters (NUL included) pass, so that the one address rule
 * (members/address.ts checkAddress) refuses them with its own message; no handler stores an address it refused.
 */
export function addressText(maxLength: number) {
  return { type: 'string', maxLength, pattern: '^[^\\ud800-\\udfff]*$' } as const;
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
