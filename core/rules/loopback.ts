// Whether a host name or address stays on this machine: `localhost` (and `*.localhost`, RFC
// 6761), 127.0.0.0/8 and ::1, with or without URL brackets. The one rule for "may skip TLS"
// (SMTP) and "only reachable from here" (development defaults). Names other than localhost
// are not resolved: a name that happens to resolve to 127.0.0.1 today may not tomorrow.
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(h)) return true;
  // ::1 in its spellings, and ::ffff:127.x.y.z (IPv4-mapped).
  if (/^(0{0,4}:){2,7}0{0,3}1$/.test(h) && h.replace(/[:0]/g, '') === '1') return true;
  return /^::ffff:127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(h);
}

/** A URL whose host stays on this machine (http://localhost:3000, http://127.0.0.1:3000). */
export function isLocalUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
