import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (pino). One root logger per process, children per component. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.password', '*.token'], remove: true },
  });
}
