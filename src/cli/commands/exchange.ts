/**
 * @module cli/commands/exchange
 *
 * Talking to other organizations' agents:
 * `legate handshake <agent> <peer>` runs the ACE handshake and stores the
 * session; `legate action <agent> <peer> --action a --resource r …` signs
 * one action under it and prints the peer's decision; `legate approve
 * <action-file> --as <did>` signs a human approval of one action. A peer is
 * an agent DID, or the URL of its DID document path
 * (`http://localhost:7411/agents/teller`).
 */

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assertSchema } from '../../credential/schema.js';
import { legateError } from '../../errors/index.js';
import { isRecord } from '../../lib/assert.js';
import { parseJson } from '../../lib/json.js';
import { actionToApprove, peerDid } from '../../node/peer.js';
import { actorFirst } from '../attribution.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println, readInput } from '../io.js';
import { collect, parseMoney } from '../parse.js';
import { extractToken } from './verify.js';

interface ActionFlags {
  action: string;
  resource: string;
  scope?: string;
  amount?: string;
  params?: string;
  approval?: string;
  saveAction?: string;
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const value = parseJson(text, '--params', { maxLength: 16 * 1024, maxDepth: 16 });
  if (!isRecord(value)) throw legateError('ERR_INVALID_ARGUMENT', '--params must be a JSON object', { claim: '--params' });
  return value;
}

export function registerExchange(program: Command): void {
  const hs = program
    .command('handshake <agent> <peer>')
    .description('run the ACE handshake from an agent of this node with a peer agent, and keep the session')
    .option('--intent <action:resource>', 'a capability to ask for (repeatable; default: everything the agent holds)', collect);
  action(hs, async (globals, agent: string, peer: string, flags: { intent?: string[] }) => {
    const intents = flags.intent?.map((text) => {
      const i = text.indexOf(':');
      if (i <= 0) throw legateError('ERR_INVALID_ARGUMENT', '--intent must be <action>:<resource>', { claim: '--intent' });
      return { action: text.slice(0, i), resource: text.slice(i + 1) };
    });
    return withNode(globals, async (node) => {
      const result = await node.services.exchange.handshake({ agent, peer, ...(intents === undefined ? {} : { intents }) });
      if (globals.json) printJson(result);
      else {
        println(`handshake with ${result.peer}`);
        for (const t of result.trusted) println(`  trusted   ${t.action} ${t.resource}${t.scope ? ` scope=${t.scope}` : ''}`);
        for (const r of result.rejected) println(`  rejected  ${r.action} ${r.resource}${r.scope ? ` scope=${r.scope}` : ''}  ${r.code}  ${r.reason}`);
        println(result.session ? `  session   ${result.session.id} until ${result.session.expires}` : '  no session (nothing trusted)');
      }
      return result.session === undefined ? EXIT.failed : EXIT.ok;
    });
  });

  const act_ = program
    .command('action <agent> <peer>')
    .description('sign one action under the session with a peer and print its decision')
    .requiredOption('--action <action>', 'the action')
    .requiredOption('--resource <resource>', 'the concrete resource')
    .option('--scope <scope>', 'the scope')
    .option('--amount <amount>', 'sets params.amount, e.g. 80USD (what maxAmount and budget constrain)')
    .option('--params <json>', 'other parameters, a JSON object')
    .option('--approval <file>', 'an ApprovalCredential for this action (from legate approve)')
    .option('--save-action <file>', 'write the action to approve to this file (for legate approve)');
  action(act_, async (globals, agent: string, peer: string, flags: ActionFlags) => {
    const amount = flags.amount === undefined ? undefined : parseMoney(flags.amount, '--amount');
    const params = parseParams(flags.params);
    const approval = flags.approval === undefined ? undefined : extractToken(readInput(flags.approval));
    return withNode(globals, async (node) => {
      const request = {
        action: flags.action,
        resource: flags.resource,
        ...(flags.scope === undefined ? {} : { scope: flags.scope }),
        ...(amount === undefined ? {} : { amount }),
        ...(params === undefined ? {} : { params }),
      };
      if (flags.saveAction !== undefined) {
        const self = await node.services.agents.get(agent);
        writeFileSync(flags.saveAction, `${JSON.stringify(actionToApprove(self.did, peerDid(peer), request), null, 2)}\n`);
      }
      const decision = await node.services.exchange.act({ agent, peer, ...request, ...(approval === undefined ? {} : { approval }) });
      if (globals.json) printJson(decision);
      else {
        println(String(decision.decision));
        for (const r of (decision.reasons as { code: string; message: string }[] | undefined) ?? []) println(`  ${r.code}  ${r.message}`);
        // The peer lists the actor first (RFC 8693 order); print it authority first, as everywhere.
        if (Array.isArray(decision.attribution)) println(`  authority  ${actorFirst(decision.attribution.map(String))}`);
        if (typeof decision.inboxId === 'string') {
          println(`  inbox      ${decision.inboxId}`);
          note(`decide it: legate approvals approve ${decision.inboxId} --as <approver DID> (or deny), then: legate approvals retry ${decision.inboxId}`);
        }
      }
      return decision.decision === 'allow' ? EXIT.ok : EXIT.failed;
    });
  });

  const approveCmd = program
    .command('approve <action-file>')
    .description('sign an approval of one action (saved by legate action --save-action)')
    .requiredOption('--as <did>', 'the approver: the owner DID, held by this node (the organization or an agent)')
    .option('--lifetime <seconds>', 'how long the approval is valid', '600');
  action(approveCmd, async (globals, file: string, flags: { as: string; lifetime: string }) => {
    const value = parseJson(readInput(file), 'action file');
    // schemas/action-to-approve.json: what --save-action writes, unknown fields refused (ERR_SCHEMA).
    assertSchema('action-to-approve.json', value, 'the action file');
    const lifetimeSeconds = Number(flags.lifetime);
    if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 1 || lifetimeSeconds > 86400) {
      throw legateError('ERR_INVALID_ARGUMENT', '--lifetime must be 1 to 86400 seconds', { claim: '--lifetime' });
    }
    return withNode(globals, async (node) => {
      const issued = await node.services.exchange.approve({ approver: flags.as, action: value as ReturnType<typeof actionToApprove>, lifetimeSeconds });
      if (globals.json) printJson(issued);
      else println(issued.jwt);
      return EXIT.ok;
    });
  });
}
