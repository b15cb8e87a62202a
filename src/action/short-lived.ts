/**
 * @module action/short-lived
 *
 * The envelope the action's short-lived credentials share (ApprovalCredential,
 * ApproverCredential): contexts, a fresh id, the two types, the signer's DID
 * as issuer, a validity of `lifetimeSeconds` from now, and the schema.
 * Internal.
 */

import { randomUUID } from 'node:crypto';
import { LEGATE_CONTEXT, VC_V2_CONTEXT } from '../credential/types.js';
import type { Signer } from '../keys/signer.js';
import { isoSeconds, systemClock, type Clock } from '../lib/clock.js';
import { didOf } from '../presentation/create.js';

export interface ShortLivedEnvelope {
  '@context': string[];
  id: string;
  type: string[];
  issuer: string;
  validFrom: string;
  validUntil: string;
  credentialSchema: { id: string; type: 'JsonSchema' };
}

/** @throws RangeError for a lifetime that is not a whole number of seconds from 1 to `maxSeconds`. */
export function shortLivedEnvelope(options: { signer: Signer; type: string; schemaId: string; lifetimeSeconds: number; maxSeconds: number; clock?: Clock | undefined }): ShortLivedEnvelope {
  const { lifetimeSeconds: lifetime, maxSeconds } = options;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0 || lifetime > maxSeconds) throw new RangeError(`lifetimeSeconds must be an integer from 1 to ${maxSeconds}`);
  const now = (options.clock ?? systemClock)();
  return {
    '@context': [VC_V2_CONTEXT, LEGATE_CONTEXT],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', options.type],
    issuer: didOf(options.signer.kid),
    validFrom: isoSeconds(now),
    validUntil: isoSeconds(new Date(now.getTime() + lifetime * 1000)),
    credentialSchema: { id: options.schemaId, type: 'JsonSchema' },
  };
}
