/**
 * @module veramo/delegate
 *
 * `legateDelegateCapability`: the parent's subject hands a narrower slice of
 * it to another agent with `delegateCapability`, signing with its key found
 * by the plugin, as a `vc+jwt` or (`format: 'di'`) with a Data Integrity
 * proof. The parent comes secured (either form) and is verified first
 * (signature, validity, schema): an agent should not sign a child of a
 * credential it cannot show to be genuine. Its status and its issuer's
 * trust are left to the verifiers of the chain, at the time of use.
 */

import type { Capability, Constraints, StatusEntry } from '../credential/types.js';
import { verifyCapabilityCredential } from '../credential/verify.js';
import { delegateCapability } from '../delegation/delegate.js';
import { legateError } from '../errors/index.js';
import { MAX_DELEGATION_DEPTH } from '../registry/types.js';
import {
  argsOf,
  optionalChoice,
  optionalInteger,
  optionalRecord,
  optionalRecords,
  optionalString,
  requiredDid,
  requiredRecords,
  securedValue,
  withArgumentErrors,
} from './args.js';
import { issuedJson } from './results.js';
import type { CallScope } from './runtime.js';
import { signerFor } from './signer.js';
import type { LegateIssuedCredential } from './types.js';

/**
 * Delegates part of a credential.
 * @throws LegateError with the parent's first failed check (claim `parent`)
 * when it does not verify; VerificationError `ERR_CAPABILITY_WIDENED` /
 * `ERR_DELEGATION_DEPTH` for a child that would widen it; InputError
 * `ERR_INVALID_ARGUMENT` for a bad argument; StoreError `ERR_KEY_UNAVAILABLE`
 * when no key of the parent's subject is at hand.
 */
export async function delegate(input: unknown, scope: CallScope): Promise<LegateIssuedCredential> {
  const args = argsOf(input, 'legateDelegateCapability', 'LegateDelegateArgs');
  const secured = securedValue(args.parent, 'parent');
  const to = requiredDid(args, 'to');
  const capabilities = requiredRecords<Capability>(args, 'capabilities');
  const constraints = optionalRecord(args, 'constraints') as Constraints | undefined;
  const agent = optionalRecord(args, 'agent') as { name: string; version?: string } | undefined;
  const maxDepth = optionalInteger(args, 'maxDepth', 0, MAX_DELEGATION_DEPTH);
  const validFor = optionalString(args, 'validFor');
  const id = optionalString(args, 'id');
  const credentialStatus = optionalRecords<StatusEntry>(args, 'credentialStatus');
  const kid = optionalString(args, 'kid');
  const format = optionalChoice(args, 'format', ['jwt', 'di'] as const);

  const { resolver, clock } = scope.runtime;
  const { skewSeconds } = scope.runtime.verify;
  const parent = await verifyCapabilityCredential(secured, { resolver, clock, ...(skewSeconds === undefined ? {} : { skewSeconds }) });
  const [first] = parent.errors;
  if (first !== undefined || parent.credential === undefined) {
    const message = parent.errors.map((e) => e.message).join('; ');
    throw legateError(first?.code ?? 'ERR_MALFORMED', `the parent credential does not verify: ${message}`, { claim: 'parent', reason: first?.reason });
  }
  const holder = parent.credential.credentialSubject.id;
  const signer = await signerFor({ did: holder, kid, relationship: 'assertionMethod', claim: 'parent' }, scope.signers, scope.agent, resolver);
  const issued = await withArgumentErrors(() =>
    delegateCapability({
      parent: parent.credential!,
      signer,
      to,
      capabilities,
      clock,
      ...(constraints === undefined ? {} : { constraints }),
      ...(agent === undefined ? {} : { agent }),
      ...(maxDepth === undefined ? {} : { maxDepth }),
      ...(validFor === undefined ? {} : { validFor }),
      ...(id === undefined ? {} : { id }),
      ...(credentialStatus === undefined ? {} : { credentialStatus }),
      ...(format === undefined ? {} : { format }),
    }),
  );
  return issuedJson(issued, format);
}
