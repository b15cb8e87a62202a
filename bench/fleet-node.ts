/**
 * @module bench/fleet-node
 *
 * One instance of the answering organization ("bank") of the fleet cases
 * and of `handshake-action-http`,
 * in a process of its own, as a fleet instance runs in deployment. The
 * first instance initializes the organization (on the SQLite file of its
 * data directory, or on the PostgreSQL database it is given), creates the
 * agent "teller" and accredits the issuer it is sent; the others open the
 * same database with a copy of the first one's key files. Driven over IPC
 * by bench/fleet.ts and bench/handshake.ts: `{ ready }` once serving, `{ accredited }`,
 * `{ counters }` (on PostgreSQL: the store's statements, transactions and
 * lock waits so far, `PgCounters`; null on SQLite), `{ usage }` (its CPU so
 * far, µs, and with `countCrypto` the signatures and verifications it
 * made), and `close`. Observed
 * (`observed: true`), it also logs every request and records every span.
 */

import { createAgent, initNode, issueToAgent, openNode, accredit } from 'legate/node';
import { setHeapGrowth, startServer } from 'legate/server';
import { pgCounters } from 'legate/store';
import { registerTraceSink } from './trace-sink.js';
import { countCrypto } from './crypto-count.js';

interface Start {
  dataDir: string;
  port: number;
  /** The organization's domain: the load balancer's `localhost:<port>`. */
  domain: string;
  database?: string;
  /** Whether this instance creates the organization (the first one). */
  first: boolean;
  /** Logs at `info` (to stderr, which the parent sends to a file) and traces into a stand-in SDK (bench/trace-sink). */
  observed?: boolean;
  /** Observed: the stand-in SDK also installs an AsyncLocalStorage context manager, as OpenTelemetry's Node SDK does. */
  contextManager?: boolean;
  /** Observed without any SDK (`false`): logs and metrics, spans through the API's no-op. Default true. */
  sdk?: boolean;
  /** Counts node:crypto's signatures and verifications (bench/crypto-count), for `{ usage }`. */
  countCrypto?: boolean;
}
type Command = { accredit: string } | { counters: true } | { usage: true } | { close: true };

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (process.send === undefined) throw new Error('fleet-node runs as a child process of bench/fleet or bench/handshake');
    process.send(message, (error: Error | null) => (error === null ? resolve() : reject(error)));
  });

const { dataDir, port, domain, database, first, observed, contextManager, sdk, countCrypto: counting } = JSON.parse(process.argv[2] ?? '{}') as Start;
const crypto = counting === true ? countCrypto().counts : undefined;
if (observed === true && sdk !== false) registerTraceSink(contextManager === true);
const onStore = database === undefined ? {} : { database };
if (first) await initNode({ dataDir, domain, ...onStore });
// Counted only on PostgreSQL: what each action costs the database (statements, transactions, lock waits).
const counters = database === undefined ? undefined : pgCounters();
const node = await openNode({ dataDir, allowHttpLoopback: true, ...onStore, databaseCounters: counters });
// As `legate serve` runs it: the default heapGrowthPercent.
setHeapGrowth(25);
const server = await startServer({ node, port, ...(observed === true ? { logLevel: 'info' as const } : {}) });
if (first) {
  await createAgent(node, { name: 'teller', owner: 'mailto:ops@bank.example' });
  await issueToAgent(node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
}
const teller = (await node.store.getAgent('teller'))!;

process.on('message', (command: Command) => {
  void (async () => {
    if ('accredit' in command) {
      await accredit(node, { issuer: command.accredit, capabilities: ['call:billing:*'] });
      await send({ accredited: command.accredit });
    } else if ('counters' in command) {
      await send({ counters: counters === undefined ? null : { ...counters } });
    } else if ('usage' in command) {
      const { user, system } = process.cpuUsage();
      await send({ usage: { cpuUs: user + system, ...(crypto ?? { signatures: 0, verifications: 0 }) } });
    } else {
      await server.close();
      await node.close();
      process.exit(0);
    }
  })().catch((error: unknown) => {
    process.stderr.write(`fleet-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
});
await send({ ready: { organization: node.organization.did, teller: teller.did } });
