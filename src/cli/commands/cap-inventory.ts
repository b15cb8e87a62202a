/**
 * @module cli/commands/cap-inventory
 *
 * The credential inventory from the command line (#17 item 2):
 * `legate cap list [--agent <name|did>] [--status active|revoked|suspended|expired]
 * [--expiring-within <7d|12h|P7D>] [--limit <n>] [--cursor <c>]` prints one
 * line per credential (id, holder, state, expiry, capabilities), and
 * `legate cap show <id>` one credential in full: capabilities with their
 * constraints, chain, status entries with their current bits, validity.
 * `--json` prints what `listCredentials` / `showCredential` return.
 */

import type { Command } from 'commander';
import type { Capability } from '../../credential/types.js';
import type { CredentialState, CredentialView } from '../../node/credential-view.js';
import { expiringWithinMs, listCredentials } from '../../node/list-credentials.js';
import { showCredential } from '../../node/show-credential.js';
import { legateError } from '../../errors/index.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println } from '../io.js';
import { once } from './capability-flags.js';

function describeCapability(c: Capability): string {
  return `${c.action} ${c.resource}${c.scope === undefined ? '' : ` [${c.scope}]`}`;
}

function holderOf(view: CredentialView): string {
  return view.agent ?? view.subject;
}

function printView(view: CredentialView & { token?: string }): void {
  const rows: [string, string][] = [
    ['id', view.id],
    ['type', view.type],
    ['format', view.format],
    ['state', view.stateFrom === undefined ? view.state : `${view.state} (from parent ${view.stateFrom})`],
    ['issuer', view.issuer],
    ['holder', view.agent === undefined ? view.subject : `${view.agent} (${view.subject})`],
  ];
  if (view.owner !== undefined) rows.push(['owner', view.owner]);
  rows.push(['issued', view.issuedAt], ['valid from', view.validFrom ?? '-'], ['valid until', view.validUntil ?? '(no end)']);
  if (view.delegation !== undefined) rows.push(['delegation', `depth ${view.delegation.depth} of ${view.delegation.maxDepth}`]);
  for (const [k, v] of rows) println(`${k.padEnd(12)} ${v}`);
  println('capabilities');
  for (const c of view.capabilities) {
    println(`  ${describeCapability(c)}`);
    if (c.constraints !== undefined) println(`    constraints ${JSON.stringify(c.constraints)}`);
  }
  if (view.constraints !== undefined) println(`  shared constraints ${JSON.stringify(view.constraints)}`);
  println(view.chain.length === 0 ? 'chain        (root)' : 'chain        (nearest parent first)');
  for (const id of view.chain) println(`  ${id}`);
  println(view.status.length === 0 ? 'status       (no entries)' : 'status');
  for (const s of view.status) println(`  ${s.purpose.padEnd(10)} ${s.set === null ? 'unknown' : s.set ? 'set' : 'clear'}  #${s.index}  ${s.list}`);
}

function parseLimit(text: string): number {
  if (!/^\d{1,4}$/.test(text)) throw legateError('ERR_INVALID_ARGUMENT', '--limit must be an integer from 1 to 500', { claim: '--limit' });
  return Number(text);
}

export function registerCapInventory(cap: Command): void {
  const list = cap
    .command('list')
    .description("list this node's credentials (oldest first) with their state: active, revoked, suspended or expired")
    .option('--agent <name|did>', 'only credentials held by this agent', once('--agent'))
    .option('--status <state>', 'only credentials in this state: active, revoked, suspended or expired', once('--status'))
    .option('--expiring-within <duration>', 'only active credentials that expire within this span (7d, 12h, P7D)', once('--expiring-within'))
    .option('--limit <n>', 'at most this many (1-500, default 100)', once('--limit'))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor', once('--cursor'));
  action(list, async (globals, flags: { agent?: string; status?: string; expiringWithin?: string; limit?: string; cursor?: string }) =>
    withNode(globals, async (node) => {
      const page = await listCredentials(node, {
        agent: flags.agent,
        status: flags.status as CredentialState | undefined,
        expiringWithin: flags.expiringWithin === undefined ? undefined : expiringWithinMs(flags.expiringWithin, node.clock(), '--expiring-within'),
        limit: flags.limit === undefined ? undefined : parseLimit(flags.limit),
        cursor: flags.cursor,
      });
      if (globals.json) printJson(page);
      else {
        println('ID\tHOLDER\tSTATE\tVALID UNTIL\tCAPABILITIES');
        for (const v of page.credentials) {
          println(`${v.id}\t${holderOf(v)}\t${v.state}\t${v.validUntil ?? '-'}\t${v.capabilities.map(describeCapability).join(', ')}`);
        }
        if (page.cursor !== undefined) note(`more may follow: --cursor ${page.cursor}`);
      }
      return EXIT.ok;
    }),
  );

  const show = cap.command('show <credential-id>').description('show one credential: capabilities, constraints, chain, status entries and expiry');
  action(show, async (globals, id: string) =>
    withNode(globals, async (node) => {
      const detail = await showCredential(node, id);
      if (globals.json) printJson(detail);
      else printView(detail);
      return EXIT.ok;
    }),
  );
}
