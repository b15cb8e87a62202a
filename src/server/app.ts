/**
 * @module server/app
 *
 * The Legate node's HTTP surface as a Hono app factory, `createApp(deps)`,
 * testable in process with `app.request()`. Routes are thin over
 * `legate/node`; every error leaves as RFC 9457 problem details with its
 * Legate code; request bodies are bounded.
 */

import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { consoleRoutes } from '../console/index.js';
import { LegateError, legateError, type ErrorCode } from '../errors/index.js';
import { setResponseHeader } from '../lib/response-header.js';
import type { NodeContext } from '../node/context.js';
import { readinessCheck } from '../node/ready.js';
import { Metrics } from './metrics.js';
import { createPeerGate } from './peer-gate.js';
import { INTERNAL_PROBLEM, problem, retryAfterSeconds } from './problem.js';
import { adminRoutes } from './routes/admin.js';
import { authzenRoutes } from './routes/authzen.js';
import { documentRoutes } from './routes/documents.js';
import { exchangeRoutes } from './routes/exchange.js';
import { oauthRoutes } from './routes/oauth.js';
import { registryRoutes } from './routes/registry.js';
import { statusPushRoutes } from './routes/status-push.js';

/**
 * Where the app writes its log lines: a pino logger (server/log) or anything
 * with pino's `(fields, message)` methods. One `info` line per request.
 */
export interface RequestLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** Writes what is buffered (a batched destination); called when the server closes. */
  flush?(): void;
}

export interface AppDeps {
  node: NodeContext;
  metrics?: Metrics;
  /** The request log; none by default (`startServer` makes one from its `logLevel`). */
  log?: RequestLog | undefined;
  /** Largest request body accepted, in bytes. Default 256 KiB. */
  maxBodyBytes?: number;
  /** Where unexpected errors are reported (never with secrets); default stderr, name and message only. */
  onUnexpectedError?: (error: unknown) => void;
  /** How long `GET /readyz` waits for the store, in ms. Default 2000. */
  readyTimeoutMs?: number;
  /**
   * The proxies (IP addresses, CIDR ranges) whose `X-Forwarded-For` names the
   * client (`trustedProxies`); default none: the connection's address is the
   * peer (server/peer-gate).
   */
  trustedProxies?: readonly string[] | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** An incoming request id worth keeping: short, and of characters no log or header reader can trip on. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's `X-Request-Id` when it is safe to repeat, else a fresh one. */
function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Unexpected errors without a log: one line on stderr, code or name and message only. */
const toStderr = (error: unknown): void => {
  process.stderr.write(
    error instanceof LegateError
      ? `legate: ${error.code}: ${error.message}\n`
      : `legate: unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : 'error'}\n`,
  );
};

/** Unexpected errors into the log: the same fields, as one line at level error. */
const toLog =
  (log: RequestLog) =>
  (error: unknown): void =>
    log.error(
      error instanceof LegateError ? { code: error.code, detail: error.message } : { code: 'ERR_INTERNAL', detail: error instanceof Error ? `${error.name}: ${error.message}` : 'error' },
      'unexpected error',
    );

/**
 * Failures of this node's own configuration, keys or store. Their detail
 * ("wrong passphrase", a file path, a damaged page) is for the operator, not
 * for whoever sent the request: the caller gets the generic internal problem,
 * and the detail goes to the local log.
 */
const LOCAL_ONLY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_KEY_UNAVAILABLE',
  'ERR_STORE',
  'ERR_STORE_CORRUPT',
  'ERR_DATA_DIR_IN_USE',
  'ERR_AUDIT_TAMPERED',
  'ERR_INTERNAL',
]);

/**
 * Builds the node's HTTP app.
 *
 * @example
 * ```ts
 * const app = createApp({ node });
 * const res = await app.request('/.well-known/did.json');
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const { node } = deps;
  const metrics = deps.metrics ?? new Metrics();
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { log } = deps;
  const report = deps.onUnexpectedError ?? (log === undefined ? toStderr : toLog(log));
  const app = new Hono();
  const gate = createPeerGate(node.services.alerts, deps.trustedProxies);
  metrics.watchAlerts(node.services.alerts, () => node.store.countOpenAlerts());

  app.use('*', async (c, next) => {
    const start = performance.now();
    const requestId = requestIdOf(c.req.header('x-request-id'));
    await next();
    setResponseHeader(c, 'X-Request-Id', requestId);
    const ms = performance.now() - start;
    // The route pattern, never the path or its query: either may carry what a caller identified itself with.
    const labels = { method: c.req.method, route: c.req.routePath, status: String(c.res.status) };
    metrics.request(labels, ms / 1000);
    log?.info({ requestId, method: labels.method, route: labels.route, status: c.res.status, durationMs: Math.round(ms * 100) / 100 }, 'request');
  });
  const tooLarge = (c: Context) => {
    const body = problem(legateError('ERR_INPUT_TOO_LARGE', `request body is larger than ${maxBodyBytes} bytes`, { claim: 'body' }));
    // The unread rest of the body is not drained: tell the client this connection ends here.
    return c.json(body, 413, { 'content-type': 'application/problem+json', connection: 'close' });
  };
  const streamedLimit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  const limitBody: MiddlewareHandler = (c, next) => {
    // GET and HEAD bodies are never read. A declared length (without chunking) is
    // enforced by the HTTP parser, so the header settles it; touching the body
    // stream, as hono's bodyLimit does, makes the Node adapter build a full web
    // Request for every call. Streamed bodies still go through bodyLimit.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(length, 10) > maxBodyBytes ? Promise.resolve(tooLarge(c)) : next();
    }
    return streamedLimit(c, next);
  };
  app.use('*', limitBody);

  // Liveness: the process answers, without touching the store.
  app.get('/healthz', (c) => c.json({ status: 'ok', did: node.organization.did }));
  // Readiness: the store answers one cheap statement in time; otherwise 503 ERR_NOT_READY (the cause to the local log only).
  const ready = readinessCheck(node.store, { timeoutMs: deps.readyTimeoutMs, onFailure: report });
  app.get('/readyz', async (c) => {
    await ready();
    return c.json({ status: 'ready' });
  });
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));
  app.route('/', documentRoutes(node));
  app.route('/', statusPushRoutes(node, maxBodyBytes));
  app.route('/', exchangeRoutes(node, metrics, maxBodyBytes, gate));
  app.route('/', oauthRoutes(node, metrics, maxBodyBytes, gate));
  app.route('/', authzenRoutes(node, metrics, maxBodyBytes, gate));
  app.route('/registry', registryRoutes(node, maxBodyBytes));
  app.route('/admin', adminRoutes(node, maxBodyBytes));
  app.route('/console', consoleRoutes({ node, maxBodyBytes }));

  app.notFound(() => {
    throw legateError('ERR_NOT_FOUND', 'no such route');
  });
  app.onError((error, c) => {
    if (error instanceof LegateError && !LOCAL_ONLY_CODES.has(error.code)) {
      const body = problem(error);
      const retryAfter = retryAfterSeconds(error);
      const headers = { 'content-type': 'application/problem+json', ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }) };
      return c.json(body, body.status as 400, headers);
    }
    report(error);
    return c.json(INTERNAL_PROBLEM, 500, { 'content-type': 'application/problem+json' });
  });
  return app;
}
