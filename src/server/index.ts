/**
 * @module server
 *
 * The Legate node over HTTP: `createApp(deps)` (a Hono app) and
 * `startServer(...)`. Loaded only through `legate/server`.
 */

export { createApp, type AppDeps, type RequestLog } from './app.js';
export type { LogLevel } from './log.js';
export { startServer, type RunningServer } from './serve.js';
export { setHeapGrowth, MAX_HEAP_GROWTH_PERCENT } from './heap-growth.js';
export { Metrics, type MetricsOptions, type LabelledCounter } from './metrics.js';
export { problem, httpStatus, retryAfterSeconds, HTTP_STATUS, DEFAULT_RETRY_AFTER_SECONDS, type Problem } from './problem.js';
export { startLoopbackNode, freeLoopbackPort, type LoopbackNode, type LoopbackNodeOptions } from './loopback.js';
