/**
 * @module cli/commands/cap
 *
 * `legate cap issue <agent> …`: the organization issues a capability
 * credential to one of its agents; `legate cap delegate …`: an agent hands a
 * narrower slice of one of its credentials to another agent. `--format di`
 * secures the credential with a Data Integrity proof instead of as a JWT.
 * Human output is the bare JWT, or the Data Integrity credential's JSON, on
 * stdout (so it pipes into a file or `legate verify -`); `--json` prints
 * `{ id, jwt, credential }`, or `{ id, format: "di", secured, credential }`.
 */

import type { Command } from 'commander';
import type { IssuedSecuredCredential } from '../../credential/issue.js';
import type { Capability, Constraints } from '../../credential/types.js';
import { delegateFromAgent } from '../../node/delegate.js';
import { issueToAgent } from '../../node/issue.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println, type GlobalOptions } from '../io.js';
import { readParent } from './read-parent.js';
import { registerStatusChanges } from './status.js';
import { collect, checkDuration, parseBudget, parseCount, parseFormat, parseHours, parseMoney, parseRate } from '../parse.js';

interface CapabilityFlags {
  action: string;
  resource: string;
  scope?: string;
  maxAmount?: string;
  budget?: string;
  hours?: string;
  rate?: string;
  requireApproval?: boolean;
  audience?: string[];
  validFor?: string;
  format?: string;
}

/** Declares the flags that describe one capability and its constraints. */
/** `cap issue` can also write the VCDM 1.1 JWT form; a delegation stays jwt or di. */
const ISSUE_FORMATS = ['jwt', 'di', 'jwt-vc1'] as const;

function capabilityOptions(command: Command, { formats = ['jwt', 'di'] }: { formats?: readonly string[] } = {}): Command {
  const vc1 = formats.includes('jwt-vc1') ? ' or jwt-vc1 (a VCDM 1.1 JWT, for did-jwt-vc and Veramo verifiers)' : '';
  return command
    .requiredOption('--action <action>', 'action name, or *')
    .requiredOption('--resource <resource>', 'colon-separated resource; a final * matches any suffix')
    .option('--scope <scope>', 'scope tag the verifier must honour')
    .option('--max-amount <amount>', 'largest amount per action, e.g. 100USD')
    .option('--budget <budget>', 'cumulative spend per period, e.g. 500USD/P1M')
    .option('--hours <window>', "operating hours, e.g. 'Mon-Fri 09:00-17:00 Europe/Paris'")
    .option('--rate <rate>', 'at most N actions per period, e.g. 10/PT1M')
    .option('--require-approval', 'every use needs a human approval')
    .option('--audience <did>', 'a verifier DID the capability may be presented to (repeatable)', collect)
    .option('--valid-for <duration>', 'validity, ISO 8601 (P30D) or short (30d)')
    .option(`--format <${formats.join('|')}>`, `how the credential is secured: jwt (vc+jwt, default), di (Data Integrity eddsa-rdfc-2022)${vc1}`);
}

function capabilityFromFlags(flags: CapabilityFlags): Capability {
  const constraints: Constraints = {};
  if (flags.maxAmount !== undefined) constraints.maxAmount = parseMoney(flags.maxAmount, '--max-amount');
  if (flags.budget !== undefined) constraints.budget = parseBudget(flags.budget, '--budget');
  if (flags.hours !== undefined) constraints.timeWindow = parseHours(flags.hours, '--hours');
  if (flags.rate !== undefined) constraints.rateLimit = parseRate(flags.rate, '--rate');
  if (flags.requireApproval === true) constraints.requireApproval = true;
  if (flags.audience !== undefined) constraints.audience = flags.audience;
  return {
    action: flags.action,
    resource: flags.resource,
    ...(flags.scope === undefined ? {} : { scope: flags.scope }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
  };
}

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

  const issue = capabilityOptions(cap.command('issue <agent>').description('issue a capability credential to an agent of this organization'), {
    formats: ISSUE_FORMATS,
  })
    .option('--delegable <depth>', 'how many levels of delegation the agent may grant (0-8)')
    .option('--agent-version <version>', 'agent software version to record');
  action(issue, async (globals, agent: string, flags: CapabilityFlags & { delegable?: string; agentVersion?: string }) => {
    const capability = capabilityFromFlags(flags);
    const validFor = checkDuration(flags.validFor ?? 'P30D', '--valid-for');
    const maxDepth = flags.delegable === undefined ? undefined : parseCount(flags.delegable, '--delegable');
    const format = flags.format === undefined ? undefined : parseFormat(flags.format, '--format', ISSUE_FORMATS);
    return withNode(globals, async (node) => {
      const issued = await issueToAgent(node, {
        agent,
        capabilities: [capability],
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
      .requiredOption('--from <agent>', 'the delegating agent of this node')
      .requiredOption('--credential <id|file>', 'the parent credential: its id in this node, or a file holding it (JWT or Data Integrity JSON)')
      .requiredOption('--to <did>', 'the receiving agent (often a did:key sub-agent)'),
  ).option('--max-depth <depth>', 'how much deeper the child may delegate (never beyond the parent)');
  action(delegate, async (globals, flags: CapabilityFlags & { from: string; credential: string; to: string; maxDepth?: string }) => {
    const capability = capabilityFromFlags(flags);
    const validFor = flags.validFor === undefined ? undefined : checkDuration(flags.validFor, '--valid-for');
    const maxDepth = flags.maxDepth === undefined ? undefined : parseCount(flags.maxDepth, '--max-depth');
    const format = flags.format === undefined ? undefined : parseFormat(flags.format, '--format');
    const credential = readParent(flags.credential);
    return withNode(globals, async (node) => {
      const issued = await delegateFromAgent(node, {
        from: flags.from,
        credential,
        to: flags.to,
        capability,
        ...(validFor === undefined ? {} : { validFor }),
        ...(maxDepth === undefined ? {} : { maxDepth }),
        ...(format === undefined ? {} : { format }),
      });
      return printIssued(globals, issued, flags.to);
    });
  });
}
