// Request logs never hold a capability: the token in a tracking or unsubscribe path is whoever
// holds it (unsubscribe someone, read their address on the page), so `/u/<token>`, `/t/o/<token>`
// and `/t/c/<token>` are logged as `/u/[redacted]` etc., and a query parameter that carries a
// token or secret (`?token=`, `?access_token=`…) has its value replaced the same way.
import type { FastifyRequest } from 'fastify';

const REDACTED = '[redacted]';

/** Path prefixes whose next segment is a sealed link token (api/tracking.ts, api/unsubscribe.ts). */
const TOKEN_PATH = /^(\/(?:u|t\/o|t\/c)\/)[^/?#]*/;
const SECRET_PARAM = /token|secret|password|passwd|signature|^sig$|^key$|^code$|^auth/i;

/** A query parameter or log field of this name carries a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_PARAM.test(name);
}

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? undefined : url.slice(q + 1);
  const path = pathname.replace(TOKEN_PATH, `$1${REDACTED}`);
  if (query === undefined) return path;
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // a malformed name is judged as written
    }
    return eq !== -1 && isSecretName(decoded) ? `${name}=${REDACTED}` : pair;
  });
  return `${path}?${params.join('&')}`;
}

/** Fastify's request serializer with the URL redacted (the fields pino's default logs). */
export function redactedRequestSerializer(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
