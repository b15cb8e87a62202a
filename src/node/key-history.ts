/**
 * @module node/key-history
 *
 * The audit log never loses the keys that signed it. A retired key leaves
 * the organization's DID document (nothing new may verify against it), but
 * its row stays in the store; the resolver made here answers for the
 * organization with a document listing every key it ever had, retired ones
 * included, so `legate audit verify` still checks checkpoints signed before
 * a rotation or a retirement. Use it for audit verification only: it is the
 * organization's key history, not its current document.
 */

import type { DIDResolutionResult, Resolvable } from 'did-resolver';
import { buildOrganizationDidDocument } from '../did/web.js';
import { multibaseToEd25519 } from '../lib/multikey.js';
import type { NodeContext } from './context.js';

/**
 * A resolver for audit verification: the organization's DID with every key
 * in the store (its key history), anything else through the node's resolver.
 *
 * @example
 * ```ts
 * const result = await verifyAudit({ store: node.store, resolver: keyHistoryResolver(node) });
 * ```
 */
export function keyHistoryResolver(ctx: Pick<NodeContext, 'organization' | 'store' | 'resolver'>): Resolvable {
  const did = ctx.organization.did;
  return {
    async resolve(target: string, options?: Parameters<Resolvable['resolve']>[1]): Promise<DIDResolutionResult> {
      if (target !== did) return ctx.resolver.resolve(target, options);
      const keys = (await ctx.store.listKeys(did)).flatMap((k) => {
        const publicKey = multibaseToEd25519(k.publicKeyMultibase);
        return publicKey === undefined ? [] : [{ kid: k.kid, publicKey }];
      });
      if (keys.length === 0) return ctx.resolver.resolve(target, options);
      return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: buildOrganizationDidDocument({ did, keys }), didDocumentMetadata: {} };
    },
  };
}
