/**
 * @module veramo/status
 *
 * `legateCheckCredentialStatus`: each revocation and suspension entry of a
 * credential against its Bitstring Status List, with the plugin's status
 * checker (its cache, bounds and `onUnavailable` policy). The credential's
 * signature is verified first and its lists are fetched only when it holds:
 * the list URLs are the issuer's word, and an unsigned credential could
 * otherwise make the agent fetch any URL.
 */

import { verifyCapabilityCredential } from '../credential/verify.js';
import type { StatusResult } from '../status/check.js';
import { argsOf, securedValue } from './args.js';
import { errorJson, errorsJson } from './results.js';
import type { CallScope } from './runtime.js';
import type { LegateStatusReport, LegateStatusResult } from './types.js';

function resultJson(result: StatusResult): LegateStatusResult {
  const { outcome, entry, error } = result;
  return {
    outcome,
    ...(entry === undefined ? {} : { purpose: entry.purpose, index: entry.index, list: entry.listUrl }),
    ...(error === undefined ? {} : { error: errorJson(error) }),
  };
}

/** Checks a credential's status. @throws InputError `ERR_INVALID_ARGUMENT` for a missing credential. */
export async function checkStatus(input: unknown, scope: CallScope): Promise<LegateStatusReport> {
  const args = argsOf(input, 'legateCheckCredentialStatus', 'LegateCredentialArgs');
  const secured = securedValue(args.credential, 'credential');
  const { runtime } = scope;
  let results: StatusResult[] | undefined;
  const { trust: _trust, ...verify } = runtime.verify;
  // The verifier calls `status` only for a credential its issuer signed.
  const verification = await verifyCapabilityCredential(secured, {
    ...verify,
    status: async (credential) => {
      results = await runtime.status.check(credential);
      return [];
    },
  });
  if (results === undefined) return { checked: false, ok: false, results: [], errors: errorsJson(verification.errors) };
  const failed = results.some((r) => r.error !== undefined && !(r.outcome === 'unavailable' && runtime.onUnavailable === 'ignore'));
  return { checked: true, ok: !failed, results: results.map(resultJson), errors: [] };
}
