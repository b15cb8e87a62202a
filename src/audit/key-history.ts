/**
 * @module audit/key-history
 *
 * The audit log never loses the keys that signed it. A retired key leaves
 * its organization's DID document (nothing new may verify against it), but
 * its row stays in the store: checkpoints are checked against the issuer's
 * document with every key the store holds for it added (its key history),
 * so a checkpoint signed before a rotation or a retirement still verifies.
 * The store is the same source a node's own document is built from, so this
 * trusts nothing more than verifying against that document did.
 */

import type { DIDDocument, DIDResolutionResult, Resolvable, VerificationMethod } from 'did-resolver';
import type { KeyRepository } from '../store/ports/keys.js';

/** `resolver`, with `issuer`'s document completed by every key `store` holds for it (retired ones included). */
export function withKeyHistory(store: Pick<KeyRepository, 'listKeys'>, issuer: string, resolver: Resolvable): Resolvable {
  return {
    async resolve(did, options): Promise<DIDResolutionResult> {
      const result = await resolver.resolve(did, options);
      if (did !== issuer) return result;
      const history = await store.listKeys(issuer);
      if (history.length === 0) return result;
      const base: DIDDocument = result.didDocument ?? { id: issuer };
      const listed = new Set((base.verificationMethod ?? []).map((m) => m.id));
      const added: VerificationMethod[] = history
        .filter((k) => !listed.has(k.kid))
        .map((k) => ({ id: k.kid, type: 'Multikey', controller: issuer, publicKeyMultibase: k.publicKeyMultibase }));
      if (added.length === 0 && result.didDocument !== null) return result;
      const ids = added.map((m) => m.id);
      const didDocument: DIDDocument = {
        ...base,
        verificationMethod: [...(base.verificationMethod ?? []), ...added],
        authentication: [...(base.authentication ?? []), ...ids],
        assertionMethod: [...(base.assertionMethod ?? []), ...ids],
      };
      return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument, didDocumentMetadata: {} };
    },
  };
}
