// Which URLs are staff pages: guarded by plugins/auth.ts, and answered with staff navigation on errors.
const STAFF_PREFIXES = ['/admin', '/desk', '/account'];

/** A route pattern or a request URL (its query is ignored). */
export function isStaffPath(url: string): boolean {
  const path = url.split('?')[0];
  return STAFF_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}
