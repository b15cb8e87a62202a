/**
 * @module veramo/issue
 *
 * `legateIssueCapabilityCredential`: `issueCapabilityCredential` with the
 * issuer's key found by the plugin (its own signers, else the agent's
 * managed key listed under the issuer's `assertionMethod`), secured as the
 * caller asks: `vc+jwt` (default), a VCDM 1.1 JWT (`jwt-vc1`, for verifiers
 * that only speak 1.1, Veramo's own among them) or a Data Integrity proof
 * (`di`).
 */

import { issueCapabilityCredential } from '../credential/issue.js';
import type { CapabilitySubject, StatusEntry } from '../credential/types.js';
import { argsOf, optionalChoice, optionalDate, optionalRecords, optionalString, requiredDid, requiredRecord, withArgumentErrors } from './args.js';
import { issuedJson } from './results.js';
import type { CallScope } from './runtime.js';
import { signerFor } from './signer.js';
import type { LegateIssuedCredential } from './types.js';

/**
 * Issues a capability credential.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad argument, `ERR_SCHEMA`
 * for a subject the credential schema refuses; StoreError
 * `ERR_KEY_UNAVAILABLE` when no key of the issuer is at hand.
 */
export async function issue(input: unknown, scope: CallScope): Promise<LegateIssuedCredential> {
  const args = argsOf(input, 'legateIssueCapabilityCredential', 'LegateIssueArgs');
  const issuer = requiredDid(args, 'issuer');
  const subject = requiredRecord(args, 'subject');
  const id = optionalString(args, 'id');
  const validFrom = optionalDate(args, 'validFrom');
  const validUntil = optionalDate(args, 'validUntil');
  const validFor = optionalString(args, 'validFor');
  const credentialStatus = optionalRecords<StatusEntry>(args, 'credentialStatus');
  const format = optionalChoice(args, 'format', ['jwt', 'jwt-vc1', 'di'] as const);
  const signer = await signerFor({ did: issuer, kid: optionalString(args, 'kid'), relationship: 'assertionMethod', claim: 'issuer' }, scope.signers, scope.agent, scope.runtime.resolver);
  const issued = await withArgumentErrors(() =>
    issueCapabilityCredential({
      issuer,
      signer,
      subject: subject as unknown as CapabilitySubject, // the credential schema checks it (ERR_SCHEMA)
      clock: scope.runtime.clock,
      ...(id === undefined ? {} : { id }),
      ...(validFrom === undefined ? {} : { validFrom }),
      ...(validUntil === undefined ? {} : { validUntil }),
      ...(validFor === undefined ? {} : { validFor }),
      ...(credentialStatus === undefined ? {} : { credentialStatus }),
      ...(format === undefined ? {} : { format }),
    }),
  );
  return issuedJson(issued, format);
}
