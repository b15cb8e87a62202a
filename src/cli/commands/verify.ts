/**
 * @module cli/commands/verify
 *
 * `legate verify <file|->`: verifies a capability credential and prints the
 * verdict with every failed check and its code. Accepts a bare JWT, a Data
 * Integrity secured credential (JSON with a `proof`), the JSON that
 * `legate cap issue --json` prints (`{ "jwt": … }` or `{ "secured": … }`), or
 * a presentation (`vp+jwt`, from `legate present`). A delegated credential
 * is verified with its chain (#13 item 5): its parents from `--chain`, the
 * presentation, or the node's store; a chain that is not available fails
 * with `ERR_CHAIN_INVALID` (reason `chain-unavailable`) unless
 * `--unchecked-chain` says to verify it alone, which the verdict states. With an
 * initialized `--data` directory, that node's own DIDs resolve from its store
 * (no server needed); did:key resolves offline; other did:web over HTTPS.
 * Status is checked by default (`--no-status` to skip): the node's own lists
 * from its store, other issuers' lists fetched, failing closed.
 */

import type { Command } from 'commander';
import { legateError, type LegateError } from '../../errors/index.js';
import { verifyCapabilityCredential } from '../../credential/verify.js';
import type { VerifyCredentialOptions } from '../../credential/verify-jwt.js';
import { readUnverified, type SecuredCredential } from '../../credential/verify-secured.js';
import type { AgentCapabilityCredential, Capability } from '../../credential/types.js';
import { verifyChain } from '../../delegation/verify-chain.js';
import { assembleChain, credentialsOfPresentation, readChainFile, statedParent } from '../../node/chain-of.js';
import type { NodeContext } from '../../node/context.js';
import { isPresentationToken } from '../../presentation/verify.js';
import { isRecord } from '../../lib/assert.js';
import { parseJson } from '../../lib/json.js';
import { action, withVerifier } from '../command.js';
import { EXIT, printJson, println, readInput } from '../io.js';

/**
 * The secured credential inside the input, as text: a bare compact JWS; a
 * Data Integrity credential (JSON with `proof`) as given; or the credential
 * in the `jwt` or `secured` field of `cap issue --json` output.
 */
export function extractToken(input: string): string {
  const text = input.trim();
  if (!text.startsWith('{')) return text;
  const value = parseJson(text, 'input');
  if (isRecord(value) && 'proof' in value) return text;
  if (isRecord(value) && typeof value.jwt === 'string') return value.jwt;
  if (isRecord(value) && isRecord(value.secured)) return JSON.stringify(value.secured);
  throw legateError('ERR_MALFORMED', 'JSON input must be a Data Integrity credential, or carry one in a "jwt" or "secured" field', { claim: 'jwt' });
}

function describeCapability(c: Capability): string {
  const parts = [c.action, c.resource];
  if (c.scope !== undefined) parts.push(`scope=${c.scope}`);
  if (c.constraints?.maxAmount) parts.push(`maxAmount=${c.constraints.maxAmount.value}${c.constraints.maxAmount.currency}`);
  return parts.join(' ');
}

interface VerifyFlags {
  status: boolean;
  chain?: string;
  presentation?: boolean;
  uncheckedChain?: boolean;
}

/** What `verify` reports for one credential, with the chain it checked. */
interface Verdict {
  verified: boolean;
  errors: { code: string; message: string; reason?: string }[];
  credential?: Partial<AgentCapabilityCredential> | undefined;
  issuer?: string | undefined;
  /** The chain's links, root first (ids), when the credential is delegated and its chain was checked. */
  chain?: string[];
  /** False when a delegated credential was verified alone, its chain not checked (`--unchecked-chain`). */
  chainChecked: boolean;
}

const chainUnavailable = (missing: string) =>
  legateError('ERR_CHAIN_INVALID', `the delegation chain is not available: parent ${missing} was not given (--chain, --presentation) nor found in this node`, {
    claim: 'chain',
    reason: 'chain-unavailable',
  });

const errorsOf = (errors: readonly LegateError[]) => errors.map((e) => ({ code: e.code, message: e.message, ...(e.reason === undefined ? {} : { reason: e.reason }) }));

/** Verifies one credential: alone when it is a root, with its chain when it is delegated. */
async function verifyOne(token: SecuredCredential, given: readonly SecuredCredential[], flags: VerifyFlags, options: VerifyCredentialOptions, node: NodeContext | undefined): Promise<Verdict> {
  if (statedParent(token) === undefined) {
    const result = await verifyCapabilityCredential(token, options);
    return { verified: result.verified, errors: errorsOf(result.errors), credential: result.credential, issuer: result.issuer, chainChecked: true };
  }
  const assembled = await assembleChain(token, given, node);
  if ('missing' in assembled) {
    if (flags.uncheckedChain !== true) return { verified: false, errors: errorsOf([chainUnavailable(assembled.missing)]), chainChecked: false };
    const alone = await verifyCapabilityCredential(token, options);
    return { verified: alone.verified, errors: errorsOf(alone.errors), credential: alone.credential, issuer: alone.issuer, chainChecked: false };
  }
  const chain = await verifyChain(assembled.tokens, options);
  const leaf = chain.links.at(-1);
  return {
    verified: chain.verified,
    errors: errorsOf(chain.errors),
    credential: leaf?.credential ?? (readUnverified(token)),
    issuer: leaf?.issuer,
    chain: chain.links.map((l) => l.credential.id),
    chainChecked: true,
  };
}

/** The leaves of a presentation's credentials: those no other one names as parent. */
function leavesOf(credentials: readonly SecuredCredential[]): SecuredCredential[] {
  const parents = new Set(credentials.map((c) => statedParent(c)).filter((p) => p !== undefined));
  return credentials.filter((c) => {
    const id = readUnverified(c)?.id;
    return typeof id !== 'string' || !parents.has(id);
  });
}

function printVerdict(v: Verdict): void {
  const count = v.errors.length;
  const unchecked = v.chainChecked ? '' : ' (its delegation chain was NOT checked)';
  println(v.verified ? `verified${unchecked}` : `NOT verified: ${count} failed check${count === 1 ? '' : 's'}${unchecked}`);
  for (const e of v.errors) println(`  ${e.code}  ${e.message}`);
  const credential = v.credential;
  if (credential?.credentialSubject !== undefined) {
    println(`  id       ${credential.id}`);
    println(`  issuer   ${v.issuer ?? '?'}`);
    println(`  subject  ${credential.credentialSubject.id} (owner ${credential.credentialSubject.owner})`);
    println(`  valid    ${credential.validFrom} .. ${credential.validUntil ?? '(no end)'}`);
    if (v.chain !== undefined && v.chain.length > 1) println(`  chain    ${v.chain.join(' -> ')}`);
    for (const c of credential.credentialSubject.capabilities ?? []) println(`  may      ${describeCapability(c)}`);
  }
}

export function registerVerify(program: Command): void {
  const verify = program
    .command('verify <file>')
    .description('verify a capability credential (a file, or - for stdin) with its delegation chain, including revocation and suspension status')
    .option('--no-status', 'skip the revocation and suspension check')
    .option('--chain <file>', "the parent credentials of a delegated credential: JWTs (whitespace-separated), a JSON array, or a presentation")
    .option('--presentation', 'the input is a presentation (vp+jwt, as `legate present` prints): verify every chain it carries (detected without the flag too)')
    .option('--unchecked-chain', 'verify a delegated credential alone when its chain is not available, saying so');
  action(verify, async (globals, file: string, flags: VerifyFlags) => {
    const token = extractToken(readInput(file));
    const given = flags.chain === undefined ? [] : readChainFile(readInput(flags.chain));
    const presented = flags.presentation === true || isPresentationToken(token);
    if (flags.presentation === true && !isPresentationToken(token)) {
      throw legateError('ERR_MALFORMED', 'the input is not a presentation (a vp+jwt)', { claim: 'presentation' });
    }
    const verdicts = await withVerifier(globals, { checkStatus: flags.status }, async (options, node) => {
      if (!presented) return [await verifyOne(token, given, flags, options, node)];
      // The presentation is the chains' envelope here: no verifier challenge to answer, so its own signature is not the question.
      const carried = credentialsOfPresentation(token);
      const out: Verdict[] = [];
      for (const leaf of leavesOf(carried)) out.push(await verifyOne(leaf, [...carried, ...given], flags, options, node));
      return out;
    });
    const verified = verdicts.length > 0 && verdicts.every((v) => v.verified);
    if (globals.json) {
      const body = (v: Verdict) => ({
        verified: v.verified,
        errors: v.errors,
        chainChecked: v.chainChecked,
        ...(v.chain === undefined ? {} : { chain: v.chain }),
        ...(v.credential === undefined ? {} : { credential: v.credential }),
      });
      printJson(presented ? { verified, presentation: true, credentials: verdicts.map(body) } : body(verdicts[0]!));
    } else {
      verdicts.forEach((v, i) => {
        if (i > 0) println('');
        printVerdict(v);
      });
    }
    return verified ? EXIT.ok : EXIT.failed;
  });
}
