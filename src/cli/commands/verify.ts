/**
 * @module cli/commands/verify
 *
 * `legate verify <file|->`: verifies a capability credential and prints the
 * verdict with every failed check and its code. Accepts a bare JWT, a Data
 * Integrity secured credential (JSON with a `proof`), or the JSON that
 * `legate cap issue --json` prints (`{ "jwt": … }` or `{ "secured": … }`). With an
 * initialized `--data` directory, that node's own DIDs resolve from its store
 * (no server needed); did:key resolves offline; other did:web over HTTPS.
 * Status is checked by default (`--no-status` to skip): the node's own lists
 * from its store, other issuers' lists fetched, failing closed.
 */

import type { Command } from 'commander';
import { InputError } from '../../errors/index.js';
import { verifyCapabilityCredential } from '../../credential/verify.js';
import type { AgentCapabilityCredential, Capability } from '../../credential/types.js';
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
  throw new InputError('ERR_MALFORMED', 'JSON input must be a Data Integrity credential, or carry one in a "jwt" or "secured" field', { claim: 'jwt' });
}

function describeCapability(c: Capability): string {
  const parts = [c.action, c.resource];
  if (c.scope !== undefined) parts.push(`scope=${c.scope}`);
  if (c.constraints?.maxAmount) parts.push(`maxAmount=${c.constraints.maxAmount.value}${c.constraints.maxAmount.currency}`);
  return parts.join(' ');
}

export function registerVerify(program: Command): void {
  const verify = program
    .command('verify <file>')
    .description('verify a capability credential (a file, or - for stdin), including its revocation and suspension status')
    .option('--no-status', 'skip the revocation and suspension check');
  action(verify, async (globals, file: string, flags: { status: boolean }) => {
    const token = extractToken(readInput(file));
    const result = await withVerifier(globals, { checkStatus: flags.status }, (options) => verifyCapabilityCredential(token, options));
    const errors = result.errors.map((e) => ({ code: e.code, message: e.message }));
    if (globals.json) {
      printJson({ verified: result.verified, errors, ...(result.credential === undefined ? {} : { credential: result.credential }) });
    } else {
      const credential = result.credential as Partial<AgentCapabilityCredential> | undefined;
      println(result.verified ? 'verified' : `NOT verified: ${errors.length} failed check${errors.length === 1 ? '' : 's'}`);
      for (const e of errors) println(`  ${e.code}  ${e.message}`);
      if (credential?.credentialSubject !== undefined) {
        println(`  id       ${credential.id}`);
        println(`  issuer   ${result.issuer ?? '?'}`);
        println(`  subject  ${credential.credentialSubject.id} (owner ${credential.credentialSubject.owner})`);
        println(`  valid    ${credential.validFrom} .. ${credential.validUntil ?? '(no end)'}`);
        for (const c of credential.credentialSubject.capabilities ?? []) println(`  may      ${describeCapability(c)}`);
      }
    }
    return result.verified ? EXIT.ok : EXIT.failed;
  });
}
