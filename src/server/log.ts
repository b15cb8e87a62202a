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
  /**
   * Where the lines go; default stderr (stdout carries the command's own
   * output), in batches of 4 KB written off the request's thread, flushed at
   * least every second and at exit.
   */
  destination?: DestinationStream;
}

/** Longest a buffered line waits before it is written. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * stderr in 4 KB batches: one `write(2)` per batch, made off the main
 * thread, instead of a synchronous one per request line. Measured in one
 * process (interleaved blocks of requests with and without the log), the
 * synchronous line cost a cheap route about 34 µs, of which the batching
 * saves about half: a system call per request also slows the request's own
 * work after it. The price: a process killed outright loses the lines of
 * its last second; a shutdown and a normal exit flush them.
 */
function batchedStderr(): DestinationStream {
  const destination = pino.destination({ fd: 2, sync: false, minLength: 4096 });
  const flush = () => {
    try {
      destination.flush();
    } catch {
      // Not ready yet (still opening) or already ended: the next tick or the exit writes it.
    }
  };
  setInterval(flush, FLUSH_INTERVAL_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // A write still in flight at exit: nothing more can be done synchronously.
    }
  });
  return destination;
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
    options.destination ?? batchedStderr(),
  );
}
