/**
 * @module node/chain-of
 *
 * The delegation chain a credential names, assembled for standalone
 * verification (`legate verify`, #13 item 5): each parent, by the id the
 * child names, from credentials given with it (a `--chain` file, a
 * presentation) or else from this node's own store. A delegated credential
 * verified without its chain would say nothing about its parents'
 * revocation, so a chain that cannot be assembled is reported, not skipped.
 */

import { MAX_CHAIN_LINKS } from '../delegation/verify-chain.js';
import { readUnverified, securedText, type SecuredCredential } from '../credential/verify-secured.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { isPresentationToken, MAX_PRESENTATION_LENGTH, presentedCredentials } from '../presentation/verify.js';
import { decodeCompactJws } from '../lib/jws.js';
import type { NodeContext } from './context.js';

/** A chain, root first, or the id of the first parent that could not be found. */
export type AssembledChain = { tokens: string[] } | { missing: string };

/** The parent id a credential states (unverified), or undefined for a root or an unreadable credential. */
export function statedParent(secured: SecuredCredential): string | undefined {
  const subject = readUnverified(secured)?.credentialSubject;
  const parent = isRecord(subject) && isRecord(subject.delegation) ? subject.delegation.parent : undefined;
  return typeof parent === 'string' ? parent : undefined;
}

/** The id a credential states, unverified. */
function statedId(secured: SecuredCredential): string | undefined {
  const id = readUnverified(secured)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Walks from `leaf` up to its root: each parent from `given` (by id), else
 * from the node's store (when there is a node). Stops after
 * {@link MAX_CHAIN_LINKS} links; the chain's verification refuses a longer one.
 */
export async function assembleChain(leaf: SecuredCredential, given: readonly SecuredCredential[], node: NodeContext | undefined): Promise<AssembledChain> {
  const byId = new Map<string, string>();
  for (const secured of given) {
    const id = statedId(secured);
    if (id !== undefined && !byId.has(id)) byId.set(id, securedText(secured));
  }
  const tokens = [securedText(leaf)];
  const seen = new Set<string>();
  for (let parent = statedParent(leaf); parent !== undefined && tokens.length <= MAX_CHAIN_LINKS; ) {
    if (seen.has(parent)) break; // a cycle: the chain's verification reports it
    seen.add(parent);
    const token = byId.get(parent) ?? (await node?.store.getCredential(parent))?.token;
    if (token === undefined) return { missing: parent };
    tokens.unshift(token);
    parent = statedParent(token);
  }
  return { tokens };
}

/**
 * The credentials a `--chain` file holds: a JSON array (of JWTs or Data
 * Integrity credentials), the `{ "credentials": [...] }` or `{ "chain": [...] }`
 * of a JSON document, a presentation (`vp+jwt`), or JWTs separated by
 * whitespace.
 * @throws InputError `ERR_MALFORMED` when it is none of those.
 */
export function readChainFile(text: string): SecuredCredential[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (cause) {
      throw legateError('ERR_MALFORMED', 'the chain file is not JSON', { claim: 'chain', cause });
    }
    const list = Array.isArray(value) ? value : isRecord(value) ? (value.credentials ?? value.chain ?? (typeof value.jwt === 'string' ? [value.jwt] : undefined)) : undefined;
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' || isRecord(c))) {
      throw legateError('ERR_MALFORMED', 'the chain file must hold credentials: JWTs, or Data Integrity credentials', { claim: 'chain' });
    }
    return list.flatMap((c) => (typeof c === 'string' && isPresentationToken(c) ? credentialsOfPresentation(c) : [c as SecuredCredential]));
  }
  return trimmed.split(/\s+/).filter((t) => t.length > 0).flatMap((t) => (isPresentationToken(t) ? credentialsOfPresentation(t) : [t]));
}

/** The credentials a presentation carries, unverified (the presentation is only their envelope here). @throws InputError */
export function credentialsOfPresentation(token: string): SecuredCredential[] {
  return presentedCredentials(decodeCompactJws(token, MAX_PRESENTATION_LENGTH).payload);
}
