/**
 * @module cli/commands/cap
 *
 * `legate cap issue <agent> …`: the organization issues a capability
 * credential to one of its agents; `legate cap delegate …`: an agent hands a
 * narrower slice of one of its credentials to another agent. What is
 * granted comes from `--action`/`--resource`/`--scope` (one capability) or
 * `--capabilities <file|->` (several, with the constraint flags shared); see
 * `capability-flags.ts`. A delegated child inherits what it does not narrow,
 * and `--to` takes a DID or a local agent's name. `--format di`
 * secures the credential with a Data Integrity proof instead of as a JWT.
 * Human output is the bare JWT, or the Data Integrity credential's JSON, on
 * stdout (so it pipes into a file or `legate verify -`); `--json` prints
 * `{ id, jwt, credential }`, or `{ id, format: "di", secured, credential }`.
 * `cap list` and `cap show` (the inventory) are in `cap-inventory.ts`.
 */

import type { Command } from 'commander';
import type { IssuedSecuredCredential } from '../../credential/issue.js';
import { legateError } from '../../errors/index.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println, type GlobalOptions } from '../io.js';
import { checkDuration, parseCount, parseFormat } from '../parse.js';
import { capabilityOptions, once, requestedCapabilities, type CapabilityFlags } from './capability-flags.js';
import { readParent } from './read-parent.js';
import { registerRenew } from './renew.js';
import { registerCapInventory } from './cap-inventory.js';
import { registerStatusChanges } from './status.js';

/** `cap issue` can also write the VCDM 1.1 JWT form; a delegation stays jwt or di. */
const ISSUE_FORMATS = ['jwt', 'di', 'jwt-vc1'] as const;

function printIssued(globals: GlobalOptions, issued: IssuedSecuredCredential, to: string): number {
  if (globals.json) printJson(issued);
  else {
    println('secured' in issued ? JSON.stringify(issued.secured) : issued.jwt);
    note(`issued ${issued.id} to ${to}, valid until ${issued.credential.validUntil ?? '(no end)'}`);
  }
  return EXIT.ok;
}

export function registerCap(program: Command): void {
  const cap = program.command('cap').description('issue, delegate, revoke, suspend and reinstate capability credentials');
  registerStatusChanges(cap);
  registerRenew(cap);
  registerCapInventory(cap);

  const issue = capabilityOptions(cap.command('issue [agent]').description('issue a capability credential to an agent of this organization (or many: --from)'), {
    formats: ISSUE_FORMATS,
  })
    .option('--delegable <depth>', 'how many levels of delegation the agent may grant (0-8)', once('--delegable'))
    .option('--agent-version <version>', 'agent software version to record', once('--agent-version'))
    .option('--from <file|->', 'issue one credential per JSON line of a provisioning file (see the README), committed in batches', once('--from'))
    .option('--progress', 'draw the progress bar of --from even when stderr is not a terminal');
  action(issue, async (globals, agent: string | undefined, flags: CapabilityFlags & { delegable?: string; agentVersion?: string; from?: string; progress?: boolean }) => {
    if (flags.from !== undefined) {
      const beside = agent === undefined ? Object.keys(flags).find((key) => !['from', 'progress'].includes(key)) : 'agent';
      if (beside !== undefined) {
        throw legateError('ERR_INVALID_ARGUMENT', `--from names the agent and what each credential grants; ${beside === 'agent' ? 'an agent' : `--${beside}`} cannot be given beside it`, { claim: '--from' });
      }
      return (await import('./cap-issue-many.js')).issueFromFile(globals, flags.from, { progress: flags.progress === true });
    }
    if (agent === undefined) throw legateError('ERR_INVALID_ARGUMENT', 'name the agent (or --from <file>)', { claim: 'agent' });
    const { capabilities, constraints } = requestedCapabilities(flags);
    const validFor = checkDuration(flags.validFor ?? 'P30D', '--valid-for');
    const maxDepth = flags.delegable === undefined ? undefined : parseCount(flags.delegable, '--delegable');
    const format = flags.format === undefined ? undefined : parseFormat(flags.format, '--format', ISSUE_FORMATS);
    return withNode(globals, async (node) => {
      const issued = await node.services.issuance.issue({
        agent,
        capabilities,
        ...(constraints === undefined ? {} : { constraints }),
        validFor,
        ...(format === undefined ? {} : { format }),
        ...(maxDepth === undefined ? {} : { delegation: { depth: 0, maxDepth } }),
        ...(flags.agentVersion === undefined ? {} : { agentVersion: flags.agentVersion }),
      });
      return printIssued(globals, issued, agent);
    });
  });

  const delegate = capabilityOptions(
    cap
      .command('delegate')
      .description("delegate a narrower slice of an agent's credential to another agent")
      .requiredOption('--from <agent>', 'the delegating agent of this node', once('--from'))
      .requiredOption('--credential <id|file>', 'the parent credential: its id in this node, or a file holding it (JWT or Data Integrity JSON)', once('--credential'))
      .requiredOption('--to <did|agent>', 'the receiving agent: a DID (often a did:key sub-agent) or the name of an agent of this node', once('--to')),
  ).option('--max-depth <depth>', 'how much deeper the child may delegate (never beyond the parent)', once('--max-depth'));
  action(delegate, async (globals, flags: CapabilityFlags & { from: string; credential: string; to: string; maxDepth?: string }) => {
    // What the child leaves out (scope, constraints, shared constraints) it inherits from the parent.
    const { capabilities, constraints } = requestedCapabilities(flags);
    const validFor = flags.validFor === undefined ? undefined : checkDuration(flags.validFor, '--valid-for');
    const maxDepth = flags.maxDepth === undefined ? undefined : parseCount(flags.maxDepth, '--max-depth');
    const format = flags.format === undefined ? undefined : parseFormat(flags.format, '--format');
    const credential = readParent(flags.credential);
    return withNode(globals, async (node) => {
      const issued = await node.services.issuance.delegate({
        from: flags.from,
        credential,
        to: flags.to,
        capabilities,
        ...(constraints === undefined ? {} : { constraints }),
        ...(validFor === undefined ? {} : { validFor }),
        ...(maxDepth === undefined ? {} : { maxDepth }),
        ...(format === undefined ? {} : { format }),
      });
      return printIssued(globals, issued, issued.credential.credentialSubject.id);
    });
  });
}
