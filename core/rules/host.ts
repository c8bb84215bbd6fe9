// Which hosts are this machine: the rule behind "development secrets only while nobody else can
// reach us" (config/safety.ts) and "SMTP may skip TLS only on loopback" (infra/mailer.ts).

/** A host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return /^127(\.\d{1,3}){3}$/.test(h) || /^(0{0,4}:){2,7}0{0,3}1$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** A URL whose host is this machine (http://localhost:3000, http://127.0.0.1:3000). */
export function isLocalUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
