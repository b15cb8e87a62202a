/**
 * @module node/overview/delegation-tree
 *
 * The delegation tree below an agent, as this node's store knows it: the
 * credentials the agent delegated (issuer = the agent), the sub-agents that
 * hold them, and what those delegated in turn. Bounded: at most
 * {@link MAX_TREE_DEPTH} levels, {@link MAX_TREE_CHILDREN} children per
 * holder and {@link MAX_TREE_NODES} nodes in all (`truncated` says when a
 * bound cut it short). A cycle (a sub-agent delegating back up) ends where
 * a holder repeats.
 */

import type { NodeContext } from '../context.js';
import { newViewCache, viewCredential, type CredentialView, type ViewCache } from '../credential-view.js';

export const MAX_TREE_DEPTH = 8;
export const MAX_TREE_CHILDREN = 50;
export const MAX_TREE_NODES = 200;

/** One delegated credential and what its holder delegated below it. */
export interface DelegationNode {
  credential: CredentialView;
  children: DelegationNode[];
}

export interface DelegationTree {
  children: DelegationNode[];
  truncated: boolean;
}

/** The tree of delegations below `did`. */
export async function delegationTree(ctx: NodeContext, did: string, cache: ViewCache = newViewCache()): Promise<DelegationTree> {
  let nodes = 0;
  let truncated = false;
  const below = async (holder: string, depth: number, seen: ReadonlySet<string>): Promise<DelegationNode[]> => {
    if (depth > MAX_TREE_DEPTH) {
      truncated = true;
      return [];
    }
    const rows = await ctx.store.pageCredentials({ issuer: holder, limit: MAX_TREE_CHILDREN + 1 });
    if (rows.length > MAX_TREE_CHILDREN) truncated = true;
    const children: DelegationNode[] = [];
    for (const row of rows.slice(0, MAX_TREE_CHILDREN)) {
      if (nodes >= MAX_TREE_NODES) {
        truncated = true;
        break;
      }
      nodes++;
      const credential = await viewCredential(ctx, row, cache);
      const next = seen.has(row.subject) ? [] : await below(row.subject, depth + 1, new Set([...seen, row.subject]));
      children.push({ credential, children: next });
    }
    return children;
  };
  const children = await below(did, 1, new Set([did]));
  return { children, truncated };
}
