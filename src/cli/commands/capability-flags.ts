/**
 * @module cli/commands/capability-flags
 *
 * The flags of `legate cap issue` and `legate cap delegate` that say what a
 * credential grants. Either one capability from `--action`, `--resource`,
 * `--scope` and the constraint flags (which then constrain that capability),
 * or several from `--capabilities <file|->`, a JSON array checked against
 * `schemas/capabilities.json` (the same schema as the admin routes), with the
 * constraint flags as the credential's shared constraints, which apply to
 * every capability. Every single-valued flag may be given once: a second
 * `--action` is refused rather than silently replacing the first.
 */

import type { Command } from 'commander';
import { assertSchema, CAPABILITIES_SCHEMA_FILE } from '../../credential/schema.js';
import type { Capability, Constraints } from '../../credential/types.js';
import { legateError } from '../../errors/index.js';
import { parseJson } from '../../lib/json.js';
import { readInput } from '../io.js';
import { collect, parseBudget, parseHours, parseMoney, parseRate } from '../parse.js';

export interface CapabilityFlags {
  capabilities?: string;
  action?: string;
  resource?: string;
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

/** What the flags ask for: the capabilities, and the shared constraints when `--capabilities` was used. */
export interface RequestedCapabilities {
  capabilities: Capability[];
  constraints?: Constraints;
}

const SEVERAL = 'to grant several capabilities, list them in --capabilities <file|->';

/**
 * Commander's parser for a flag that may be given once.
 * @throws InputError `ERR_INVALID_ARGUMENT` naming the flag on a second use.
 */
export function once(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) {
      const hint = ['--action', '--resource', '--scope'].includes(flag) ? `; ${SEVERAL}` : '';
      throw legateError('ERR_INVALID_ARGUMENT', `${flag} may be given only once${hint}`, { claim: flag, reason: 'repeated' });
    }
    return value;
  };
}

/** Declares the capability and constraint flags, and `--valid-for` and `--format`. */
export function capabilityOptions(command: Command, { formats = ['jwt', 'di'] }: { formats?: readonly string[] } = {}): Command {
  const vc1 = formats.includes('jwt-vc1') ? ' or jwt-vc1 (a VCDM 1.1 JWT, for did-jwt-vc and Veramo verifiers)' : '';
  return command
    .option('--capabilities <file|->', 'several capabilities: a JSON array of {action, resource, scope?, constraints?}; the constraint flags then apply to all of them', once('--capabilities'))
    .option('--action <action>', 'action name, or * (one capability; or use --capabilities)', once('--action'))
    .option('--resource <resource>', 'colon-separated resource; a final * matches any suffix', once('--resource'))
    .option('--scope <scope>', 'scope tag the verifier must honour', once('--scope'))
    .option('--max-amount <amount>', 'largest amount per action, e.g. 100USD', once('--max-amount'))
    .option('--budget <budget>', 'cumulative spend per period, e.g. 500USD/P1M', once('--budget'))
    .option('--hours <window>', "operating hours, e.g. 'Mon-Fri 09:00-17:00 Europe/Paris'", once('--hours'))
    .option('--rate <rate>', 'at most N actions per period, e.g. 10/PT1M', once('--rate'))
    .option('--require-approval', 'every use needs a human approval')
    .option('--audience <did>', 'a verifier DID the capability may be presented to (repeatable)', collect)
    .option('--valid-for <duration>', 'validity, ISO 8601 (P30D) or short (30d)', once('--valid-for'))
    .option(`--format <${formats.join('|')}>`, `how the credential is secured: jwt (vc+jwt, default), di (Data Integrity eddsa-rdfc-2022)${vc1}`, once('--format'));
}

function constraintsFromFlags(flags: CapabilityFlags): Constraints | undefined {
  const constraints: Constraints = {};
  if (flags.maxAmount !== undefined) constraints.maxAmount = parseMoney(flags.maxAmount, '--max-amount');
  if (flags.budget !== undefined) constraints.budget = parseBudget(flags.budget, '--budget');
  if (flags.hours !== undefined) constraints.timeWindow = parseHours(flags.hours, '--hours');
  if (flags.rate !== undefined) constraints.rateLimit = parseRate(flags.rate, '--rate');
  if (flags.requireApproval === true) constraints.requireApproval = true;
  if (flags.audience !== undefined) constraints.audience = flags.audience;
  return Object.keys(constraints).length === 0 ? undefined : constraints;
}

/**
 * The capabilities the flags ask for.
 * @throws InputError `ERR_INVALID_ARGUMENT` for `--capabilities` beside
 * `--action`/`--resource`/`--scope`, or neither given; `ERR_MALFORMED`,
 * `ERR_INPUT_TOO_LARGE` or `ERR_SCHEMA` for a bad `--capabilities` file.
 */
export function requestedCapabilities(flags: CapabilityFlags): RequestedCapabilities {
  const constraints = constraintsFromFlags(flags);
  if (flags.capabilities !== undefined) {
    const single = (['action', 'resource', 'scope'] as const).find((k) => flags[k] !== undefined);
    if (single !== undefined) {
      throw legateError('ERR_INVALID_ARGUMENT', `--capabilities lists every capability; --${single} cannot be given beside it`, { claim: `--${single}` });
    }
    const list = parseJson(readInput(flags.capabilities), '--capabilities');
    assertSchema(CAPABILITIES_SCHEMA_FILE, list, '--capabilities');
    return { capabilities: list as Capability[], ...(constraints === undefined ? {} : { constraints }) };
  }
  if (flags.action === undefined || flags.resource === undefined) {
    const missing = flags.action === undefined ? '--action' : '--resource';
    throw legateError('ERR_INVALID_ARGUMENT', `${missing} is required (or --capabilities <file|->)`, { claim: missing });
  }
  return {
    capabilities: [
      {
        action: flags.action,
        resource: flags.resource,
        ...(flags.scope === undefined ? {} : { scope: flags.scope }),
        ...(constraints === undefined ? {} : { constraints }),
      },
    ],
  };
}
