/**
 * @module cli/commands/authorize
 *
 * `legate authorize --presentation <file> --nonce <n> --action <a>
 * --resource <r> [--aud <did>] [--scope <s>] [--amount 80USD] [--at <time>]`:
 * verifies a presentation and decides whether the holder may perform the
 * action. Exit 0 for allow, 1 for deny or approval_required.
 */

import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import { authorize } from '../../capability/authorize.js';
import { verifyPresentation } from '../../presentation/verify.js';
import { authorityFirst } from '../attribution.js';
import { action, withVerifier } from '../command.js';
import { EXIT, printJson, println, readInput } from '../io.js';
import { parseCount, parseInstant, parseMoney } from '../parse.js';
import { extractToken } from './verify.js';

interface AuthorizeFlags {
  presentation: string;
  nonce: string;
  aud?: string;
  action: string;
  resource: string;
  scope?: string;
  amount?: string;
  spent?: string;
  recent?: string;
  approved?: boolean;
  at?: string;
}

export function registerAuthorize(program: Command): void {
  const command = program
    .command('authorize')
    .description('verify a presentation and decide whether its holder may perform an action')
    .requiredOption('--presentation <file>', 'the vp+jwt (a file, or - for stdin)')
    .requiredOption('--nonce <nonce>', 'the challenge the presentation must answer')
    .option('--aud <did>', "this verifier's DID (default: the node's own)")
    .requiredOption('--action <action>', 'the action requested')
    .requiredOption('--resource <resource>', 'the resource it acts on')
    .option('--scope <scope>', 'the scope of the request')
    .option('--amount <amount>', 'the amount the action carries, e.g. 80USD')
    .option('--spent <amount>', 'spend already made in the budget period, e.g. 120USD (budgets fail closed without it)')
    .option('--recent <count>', 'actions already taken in the rate-limit period (rate limits fail closed without it)')
    .option('--approved', 'a human approval for this action has been checked')
    .option('--at <time>', 'decide as of this time (ISO 8601), default now');
  action(command, async (globals, flags: AuthorizeFlags) => {
    const token = extractToken(readInput(flags.presentation));
    const amount = flags.amount === undefined ? undefined : parseMoney(flags.amount, '--amount');
    const at = flags.at === undefined ? undefined : parseInstant(flags.at, '--at');
    const spent = flags.spent === undefined ? undefined : parseMoney(flags.spent, '--spent');
    const recentCount = flags.recent === undefined ? undefined : parseCount(flags.recent, '--recent', 1_000_000_000);
    // --at moves the decision (constraints, credential validity), not the presentation's freshness.
    const clock = () => at ?? new Date();
    const result = await withVerifier(globals, { checkStatus: true }, async (options, node) => {
      const audience = flags.aud ?? node?.organization.did;
      if (audience === undefined) throw legateError('ERR_INVALID_ARGUMENT', '--aud is required when --data is not an initialized node', { claim: '--aud' });
      const verification = await verifyPresentation(token, { ...options, audience, nonce: flags.nonce });
      const decision = verification.verified
        ? authorize(
            { action: flags.action, resource: flags.resource, scope: flags.scope, amount },
            verification.credentials,
            { clock, verifier: audience, spent, recentCount, approved: flags.approved === true },
          )
        : { decision: 'deny' as const, reasons: verification.errors.map((e) => ({ code: e.code, message: e.message })) };
      return { decision, verification };
    });
    const { decision, verification } = result;
    const chain = verification.chains.find((c) => c.leaf?.id === decision.credentialId);
    if (globals.json) {
      printJson({ ...decision, holder: verification.holder, ...(chain === undefined ? {} : { attribution: chain.attribution }) });
    } else {
      println(decision.decision);
      if (decision.capability) println(`  by       ${decision.capability.action} ${decision.capability.resource}${decision.capability.scope ? ` scope=${decision.capability.scope}` : ''} (${decision.credentialId ?? '?'})`);
      for (const r of decision.reasons) println(`  ${r.code}  ${r.message}`);
      if (chain) println(`  authority  ${authorityFirst(chain.attribution.map((a) => `${a.role} ${a.id}`))}`);
    }
    return decision.decision === 'allow' ? EXIT.ok : EXIT.failed;
  });
}
