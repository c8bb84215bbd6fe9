// Where the dashboard may send a browser after a form post or a sign-in: only its own pages.
// One pure rule for every redirect target that comes from a request (`back`, `next`): the value
// is resolved the way a browser would resolve it (dot segments, backslashes, tabs and newlines
// are what turn `/dashboard/../..//evil.com` or `/\evil.com` into another host), and it is
// accepted only if the result is still on this origin, under /dashboard, with no encoded
// slash, backslash or dot left that a later decoding step could turn into one.

/** Where a refused target goes instead. */
const DASHBOARD_HOME = '/dashboard';

const BASE = 'http://dashboard.invalid';
const MAX_LENGTH = 2048;

/**
 * The normalised same-origin dashboard path (`/dashboard…`, with its query, without a
 * fragment) that `target` names, or undefined when it names anything else.
 */
export function dashboardPath(target: unknown): string | undefined {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_LENGTH) return undefined;
  // Control characters (tab, CR, LF are silently dropped by URL parsers), backslashes (read
  // as slashes) and anything but one leading slash: refused before parsing.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(target)) return undefined;
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  const path = url.pathname;
  if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return undefined;
  if (path.startsWith('//') || /%(2f|5c|2e|25|0[0-9a-f]|1[0-9a-f])/i.test(path)) return undefined;
  return `${path}${url.search}`;
}

/** `dashboardPath(target)`, or `fallback` when the target is refused. */
export function safeDashboardPath(target: unknown, fallback = DASHBOARD_HOME): string {
  return dashboardPath(target) ?? fallback;
}
