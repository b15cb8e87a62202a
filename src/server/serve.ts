/**
 * @module server/serve
 *
 * Runs the app on Node's HTTP server (@hono/node-server) and stops it
 * gracefully: no new connections, in-flight requests finish, then the store
 * closes. One server per data directory: a second is refused (see
 * node/serve-lock). While it serves, it runs the status-list re-signing job
 * on an interval (node/status-refresh; one instance of a fleet does the work),
 * the credential renewal job when the node has a renewal policy (node/renew),
 * the key-rotation policy (node/key-schedule: rotates keys past the
 * `rotation.*` ages, retires rotated-out keys nothing live needs), and the
 * audit jobs (node/audit-jobs: this instance's liveness lease, and the
 * checkpoint job one instance of a fleet runs), and the alert checks
 * (node/alerts/checks: credentials and keys near expiry, old acknowledged
 * alerts swept). With a `logLevel`, it writes
 * the JSON log (server/log) to stderr; a library caller may pass its own `log`.
 */

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { NodeContext } from '../node/context.js';
import { lockDataDir } from '../node/serve-lock.js';
import { organizationSigner } from '../node/signers.js';
import { startRenewal } from '../node/renew.js';
import { startAuditJobs } from '../node/audit-jobs.js';
import { startKeyRotation } from '../node/key-schedule.js';
import { startAlertChecks } from '../node/alerts/checks.js';
import { startStatusRefresh } from '../node/status-refresh.js';
import { createApp, type AppDeps, type RequestLog } from './app.js';
import type { LogLevel } from './log.js';

/** A JSON log on stderr at `level` (server/log, loaded only now: pino is for a serving node); none without a level or when silent. */
async function logAt(level: LogLevel | undefined): Promise<RequestLog | undefined> {
  if (level === undefined || level === 'silent') return undefined;
  const { createRequestLog } = await import('./log.js');
  return createRequestLog({ level });
}

export interface RunningServer {
  /** The bound address, e.g. `http://127.0.0.1:7401`. */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, and closes the node. */
  close(): Promise<void>;
}

/** The scheduled jobs a server runs. */
export interface ServeJobOptions {
  /** Re-sign status lists every this many ms (default 15 minutes); `false` runs no job (another process does). */
  statusRefreshIntervalMs?: number | false;
  /** Run the credential renewal job every this many ms (default 5 minutes) when the node has a renewal policy; `false`: never. */
  renewalIntervalMs?: number | false;
  /**
   * Look for a due audit checkpoint every this many ms (default 10 s), under
   * the `audit-checkpoint` lease; `false` runs no checkpoint job (appends
   * checkpoint inline). The instance's liveness lease is renewed either way.
   */
  auditCheckpointIntervalMs?: number | false;
  /** Apply the key-rotation policy and retire rotated-out keys every this many ms (default 15 minutes); `false` runs no job. */
  keyRotationIntervalMs?: number | false;
  /** Look for credentials and keys near expiry, and sweep old acknowledged alerts, every this many ms (default 15 minutes); `false` runs no job. */
  alertCheckIntervalMs?: number | false;
}

/**
 * Serves a node on `host:port` (port 0 picks a free one).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when the organization's key cannot
 * be unsealed (checked before listening: a peer must never be the first to
 * find out); `ERR_DATA_DIR_IN_USE` when another server holds the node's data
 * directory.
 *
 * @example
 * ```ts
 * const server = await startServer({ node, host: '127.0.0.1', port: 7401 });
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function startServer(options: Omit<AppDeps, 'node'> & { node: NodeContext; host?: string; port?: number; logLevel?: LogLevel } & ServeJobOptions): Promise<RunningServer> {
  await organizationSigner(options.node);
  const log = options.log ?? (await logAt(options.logLevel));
  const app = createApp({ ...options, log });
  const lock = lockDataDir(options.node.dataDir, options.node.clock);
  const host = options.host ?? '127.0.0.1';
  const started = new Promise<RunningServer>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, (info: AddressInfo) => {
      let closing: Promise<void> | undefined;
      const refresh = options.statusRefreshIntervalMs === false ? undefined : startStatusRefresh(options.node, { intervalMs: options.statusRefreshIntervalMs });
      const renewal = options.renewalIntervalMs === false ? undefined : startRenewal(options.node, { intervalMs: options.renewalIntervalMs });
      const auditJobs = startAuditJobs(options.node, { checkpointIntervalMs: options.auditCheckpointIntervalMs });
      const rotation = options.keyRotationIntervalMs === false ? undefined : startKeyRotation(options.node, { intervalMs: options.keyRotationIntervalMs });
      const alertChecks = options.alertCheckIntervalMs === false ? undefined : startAlertChecks(options.node, { intervalMs: options.alertCheckIntervalMs });
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        port: info.port,
        close: () =>
          (closing ??= new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Idle keep-alive connections would hold close() open.
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          })
            .then(() => Promise.all([refresh?.stop(), renewal?.stop(), rotation?.stop(), alertChecks?.stop()]))
            .then(() => options.node.services.alerts.settled())
            // Before the node closes: its chain-close then signs a due checkpoint itself.
            .then(() => auditJobs.stop())
            .then(() => options.node.close())
            .finally(() => {
              lock.release();
              log?.flush?.();
            })),
      });
    });
    server.once('error', reject);
  });
  try {
    return await started;
  } catch (error) {
    lock.release();
    throw error;
  }
}
