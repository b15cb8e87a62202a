/**
 * @module node/issue-many
 *
 * Issuance for provisioning a fleet: many credentials, each exactly what
 * {@link issueToAgent} would issue (its own status entries and audit entry),
 * committed a chunk at a time instead of one transaction each. Every item is
 * checked before anything is written (agents known and active, dates,
 * capabilities against their schema), so a bad line in a provisioning file
 * writes nothing. Past that, a chunk commits whole or not at all; a failure
 * there (the store) says how many credentials were already issued.
 *
 * A batch of {@link OFFLOAD_FROM} items or more signs on the node's signing
 * worker (`node/signing`, a thread kept while batches come): this thread
 * builds each chunk's credentials, hands their signing to it, and records
 * them as their signatures come back. A chunk checks for a due audit
 * checkpoint at its last entry (and every 500 in a longer one).
 */

import { MAX_CHECKPOINT_DIGESTS } from '../audit/heads.js';
import { isLegateError, legateError } from '../errors/index.js';
import { scopedError } from '../errors/scoped.js';
import type { IssuedSecuredCredential } from '../credential/issue.js';
import { assertSchema, CAPABILITIES_SCHEMA_FILE } from '../credential/schema.js';
import type { AgentRecord } from '../store/types.js';
import { inTransaction, type NodeContext } from './context.js';
import type { SigningWorker } from '../keys/signing-worker.js';
import { issuableAgent, newCredentialId, recordIssued, signIssued, type IssueToAgentOptions } from './issue.js';
import { organizationSigner } from './signers.js';
import { allocateStatusMany } from './status.js';

/** Most items one call takes: what it holds in memory (the issued credentials) stays bounded. */
export const MAX_ISSUE_MANY = 10_000;
/** Credentials committed together by default: one commit for this many, while the write lock is held for a few tens of milliseconds. */
export const DEFAULT_ISSUE_CHUNK = 500;
const MAX_ISSUE_CHUNK = 2_000;
/** Items from which a call signs on the node's worker thread: below it, starting one (~30 ms, the first call) costs more than it saves (~50 µs a signature). */
export const OFFLOAD_FROM = 256;
/**
 * Entries of a chunk between two checks for a due checkpoint: a checkpoint
 * carries the digests of at most MAX_CHECKPOINT_DIGESTS (1,000) new entries,
 * so a chunk of up to 2,000 still gets every entry's digest signed.
 */
const CHECKPOINT_STRIDE = MAX_CHECKPOINT_DIGESTS / 2;

export interface IssueManyOptions {
  /** Credentials per transaction (1 to 2,000; default 500). */
  chunkSize?: number;
  /** Told after each committed chunk: how many of `total` are issued and recorded so far. */
  onProgress?: (progress: { issued: number; total: number }) => void;
}

/** `error`, naming the item it is about (`items[3].capabilities`), with its code kept. */
const aboutItem = (error: unknown, index: number): unknown => scopedError(error, `items[${index}]`, `item ${index}`);

/**
 * The agent each item names, checked as {@link issueToAgent} checks one
 * (and each item's capabilities against their schema), before anything is
 * written. A caller issuing in several calls (the CLI's `--from`) checks
 * every item first with it.
 * @throws LegateError as {@link issueMany} does for a bad item.
 */
export async function checkIssueItems(ctx: NodeContext, items: readonly IssueToAgentOptions[]): Promise<AgentRecord[]> {
  const agents = new Map<string, AgentRecord>();
  const checked: AgentRecord[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    try {
      if (typeof item !== 'object' || item === null || typeof item.agent !== 'string' || item.agent.length === 0) {
        throw legateError('ERR_INVALID_ARGUMENT', 'each item names an agent of this node', { claim: 'agent' });
      }
      assertSchema(CAPABILITIES_SCHEMA_FILE, item.capabilities, 'capabilities');
      checked.push(await issuableAgent(ctx, item, agents));
    } catch (error) {
      throw aboutItem(error, i);
    }
  }
  return checked;
}

/**
 * Issues a credential for each item, as {@link issueToAgent} does for one,
 * committing `chunkSize` at a time; returns them in the items' order.
 * @throws LegateError `ERR_INVALID_ARGUMENT` (no items, more than
 * {@link MAX_ISSUE_MANY}, a bad chunk size or item), or what `issueToAgent`
 * throws for an item (its `claim` names it: `items[3].agent`), with nothing
 * written; a failure while committing has `reason: 'issued-<n>'`, the
 * number of credentials committed before it.
 *
 * @example
 * ```ts
 * const issued = await issueMany(node, agents.map((agent) => ({ agent, capabilities })), {
 *   onProgress: ({ issued, total }) => console.error(`${issued}/${total}`),
 * });
 * ```
 */
export async function issueMany(ctx: NodeContext, items: readonly IssueToAgentOptions[], options: IssueManyOptions = {}): Promise<IssuedSecuredCredential[]> {
  // Not Array.isArray: it would narrow `items` to any[].
  if (!(items instanceof Array) || items.length === 0 || items.length > MAX_ISSUE_MANY) {
    throw legateError('ERR_INVALID_ARGUMENT', `issueMany takes 1 to ${MAX_ISSUE_MANY} items`, { claim: 'items' });
  }
  const chunkSize = options.chunkSize ?? DEFAULT_ISSUE_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_ISSUE_CHUNK) {
    throw legateError('ERR_INVALID_ARGUMENT', `chunkSize is an integer from 1 to ${MAX_ISSUE_CHUNK}`, { claim: 'chunkSize' });
  }
  if (items.length < OFFLOAD_FROM) return issueChunks(ctx, items, chunkSize, options);
  return ctx.services.signing.use((worker) => issueChunks(ctx, items, chunkSize, options, worker));
}

/** {@link issueMany}'s work once its arguments are checked: the items checked, then issued a chunk a transaction. */
async function issueChunks(
  ctx: NodeContext,
  items: readonly IssueToAgentOptions[],
  chunkSize: number,
  options: IssueManyOptions,
  worker?: SigningWorker,
): Promise<IssuedSecuredCredential[]> {
  const agents = await checkIssueItems(ctx, items);
  const issued: IssuedSecuredCredential[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    const end = Math.min(items.length, start + chunkSize);
    try {
      // Read per chunk: a key rotated meanwhile signs the next chunk.
      const signer = await organizationSigner(ctx);
      const chunkSigner = worker?.offload(signer) ?? signer;
      const chunk = await inTransaction(ctx, async (tx) => {
        // The chunk's status entries together: each purpose's open list is looked up once, not once a credential.
        const ids = Array.from({ length: end - start }, () => newCredentialId(tx.clock));
        const statuses = await allocateStatusMany(tx, tx.organization.did, ids);
        // Every credential of the chunk built and sent for signing first, then each recorded in order.
        const signing = ids.map((id, k) => signIssued(tx, chunkSigner, agents[start + k]!, items[start + k]!, { id, credentialStatus: statuses[k]! }));
        // A failure is met below, in order; the ones after it are not waited for.
        for (const pending of signing) pending.catch(() => undefined);
        const done: IssuedSecuredCredential[] = [];
        for (let i = start; i < end; i++) {
          try {
            const credential = await signing[i - start]!;
            // Only the chunk's last entry checks for a due checkpoint (and one in CHECKPOINT_STRIDE in a longer chunk):
            // one checkpoint covers the chunk it commits with.
            await recordIssued(tx, credential, agents[i]!, items[i]!, { checkpoint: i === end - 1 || (i - start + 1) % CHECKPOINT_STRIDE === 0 });
            done.push(credential);
          } catch (error) {
            throw aboutItem(error, i);
          }
        }
        return done;
      });
      issued.push(...chunk);
    } catch (error) {
      if (issued.length === 0 || !isLegateError(error)) throw error;
      throw legateError(error.code, `${error.message} (${issued.length} credentials were issued before it)`, {
        ...(error.claim === undefined ? {} : { claim: error.claim }),
        reason: `issued-${issued.length}`,
        cause: error,
      });
    }
    options.onProgress?.({ issued: issued.length, total: items.length });
  }
  return issued;
}
