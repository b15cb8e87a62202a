/**
 * @module server/log
 *
 * The node's JSON log on pino, one object a line. What it writes is fixed
 * by the app (server/app): per request its id, method, route pattern,
 * status and duration; never a body, a header, a query string or an error's
 * detail beyond its code and message. `redact` blanks the credential-bearing
 * header paths besides, should anything ever hand a request to the logger.
 * Imported only when `serve` logs (server/serve loads it on demand).
 */

import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/settings.js';

export type { LogLevel } from '../config/settings.js';

/** Header paths blanked wherever they appear in a logged object. */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.dpop',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.dpop',
  'headers.cookie',
  'res.headers["set-cookie"]',
];

export interface RequestLogOptions {
  level: LogLevel;
  /** Where the lines go; default stderr (stdout carries the command's own output), written synchronously so none is lost at exit. */
  destination?: DestinationStream;
}

/**
 * A pino logger for the node's log.
 *
 * @example
 * ```ts
 * const log = createRequestLog({ level: 'info' });
 * await startServer({ node, log });
 * ```
 */
export function createRequestLog(options: RequestLogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
