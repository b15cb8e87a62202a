/**
 * @module bench/peer-node
 *
 * The answering node of the `handshake-action-http` case ("bank", with its
 * agent "teller"), in a process of its own, as a peer node runs in
 * deployment: the bench process is the other organization ("support"), and
 * the two nodes share the machine's cores, not one event loop. Driven over
 * IPC by bench/run.ts: it answers `{ ready }` with its DIDs once serving,
 * accredits the issuer it is sent, and stops on `close`.
 */

import { createAgent, initNode, issueToAgent, openNode, accredit } from 'legate/node';
import { startServer } from 'legate/server';

interface Start {
  dataDir: string;
  port: number;
}
type Command = { accredit: string } | { close: true };

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (process.send === undefined) throw new Error('peer-node runs as a child process of bench/run');
    process.send(message, (error: Error | null) => (error === null ? resolve() : reject(error)));
  });

const { dataDir, port } = JSON.parse(process.argv[2] ?? '{}') as Start;
await initNode({ dataDir, domain: `localhost:${port}` });
const node = await openNode({ dataDir, allowHttpLoopback: true });
const server = await startServer({ node, port });
const teller = await createAgent(node, { name: 'teller', owner: 'mailto:ops@bank.example' });
await issueToAgent(node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });

process.on('message', (command: Command) => {
  void (async () => {
    if ('accredit' in command) {
      await accredit(node, { issuer: command.accredit, capabilities: ['call:billing:*'] });
      await send({ accredited: command.accredit });
    } else {
      await server.close();
      process.exit(0);
    }
  })().catch((error: unknown) => {
    process.stderr.write(`peer-node: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
});
await send({ ready: { organization: node.organization.did, teller: teller.did } });
