import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Signed links (`/s/<action>/<token>`) and `token` query values are credentials: logs keep only their shape. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  // The router decodes the path, so /%73/… reaches the same page as /s/…: match on the decoded form.
  const m = /^\/+s\/+([^/]*)\//i.exec(decoded(path));
  if (m) path = `/s/${m[1]}/[redacted]`;
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => (decoded(pair.split('=')[0]).trim().toLowerCase() === 'token' ? 'token=[redacted]' : pair))
    .join('&');
  return `${path}?${query}`;
}

/** Fastify's request serializer (method, url, host, client address), with the URL redacted. */
function requestSerializer(req: IncomingMessage & { ip?: string; host?: string }) {
  return {
    method: req.method,
    url: redactUrl(req.url ?? ''),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, name = 'listkeeper', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      name,
      redact: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization'],
      serializers: { req: requestSerializer },
    },
    destination,
  );
}
