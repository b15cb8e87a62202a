/**
 * @module veramo/presentation
 *
 * `legateCreatePresentation` and `legateVerifyPresentation`: a holder
 * presents its credentials and their chains to one verifier, for one
 * challenge, as `vp+jwt` signed by an `authentication` key of the holder
 * (the plugin's signer, or the agent's managed key); a verifier checks it
 * with the plugin's runtime.
 */

import { createPresentation, MAX_PRESENTED_CREDENTIALS } from '../presentation/create.js';
import { verifyPresentation, type PresentationVerification } from '../presentation/verify.js';
import { argsOf, optionalInteger, optionalString, requiredDid, requiredString, securedArray, withArgumentErrors } from './args.js';
import { presentationJson } from './results.js';
import type { CallScope } from './runtime.js';
import { signerFor } from './signer.js';
import type { LegatePresentation, LegatePresentationVerification } from './types.js';

/** Longest presentation lifetime or maximum age accepted, in seconds (a day). */
const MAX_SECONDS = 24 * 60 * 60;

/**
 * Signs a presentation as the holder.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad argument; StoreError
 * `ERR_KEY_UNAVAILABLE` when no `authentication` key of the holder is at hand.
 */
export async function present(input: unknown, scope: CallScope): Promise<LegatePresentation> {
  const args = argsOf(input, 'legateCreatePresentation', 'LegateCreatePresentationArgs');
  const holder = requiredDid(args, 'holder');
  const credentials = securedArray(args.credentials, 'credentials', 1, MAX_PRESENTED_CREDENTIALS);
  const audience = requiredString(args, 'audience');
  const nonce = requiredString(args, 'nonce');
  const lifetimeSeconds = optionalInteger(args, 'lifetimeSeconds', 1, MAX_SECONDS);
  const signer = await signerFor(
    { did: holder, kid: optionalString(args, 'kid'), relationship: 'authentication', claim: 'holder' },
    scope.signers,
    scope.agent,
    scope.runtime.resolver,
  );
  const presentation = await withArgumentErrors(() =>
    createPresentation({ signer, credentials, audience, nonce, clock: scope.runtime.clock, ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }) }),
  );
  return { presentation };
}

/** Reads presentation arguments (of `legateVerifyPresentation`, or nested in `legateAuthorize`) and verifies. */
export async function verifyPresentationArgs(args: Record<string, unknown>, scope: CallScope, prefix = ''): Promise<PresentationVerification> {
  const presentation = requiredString(args, 'presentation', `${prefix}presentation`);
  const audience = requiredString(args, 'audience', `${prefix}audience`);
  const nonce = requiredString(args, 'nonce', `${prefix}nonce`);
  const maxAgeSeconds = optionalInteger(args, 'maxAgeSeconds', 1, MAX_SECONDS, `${prefix}maxAgeSeconds`);
  return verifyPresentation(presentation, { ...scope.runtime.verify, audience, nonce, ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }) });
}

/** Verifies a presentation. @throws InputError `ERR_INVALID_ARGUMENT` for a missing argument. */
export async function verifyPresented(input: unknown, scope: CallScope): Promise<LegatePresentationVerification> {
  return presentationJson(await verifyPresentationArgs(argsOf(input, 'legateVerifyPresentation', 'LegateVerifyPresentationArgs'), scope));
}
