import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'listkeeper'): Logger {
  return pino({ level, name, redact: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization'] });
}
