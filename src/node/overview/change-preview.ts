/**
 * @module node/overview/change-preview
 *
 * What a console change would touch, for its confirmation page: the
 * credential (holder, capabilities, state) to revoke, suspend or reinstate,
 * or the agent to retire and how many credentials it holds here (each, and
 * every credential delegated below them, is revoked with it).
 */

import { CHANGE_KINDS, type ChangeKind } from '../console-changes.js';
import { legateError } from '../../errors/index.js';
import type { AgentRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';
import { viewCredential, type CredentialView } from '../credential-view.js';

/** Credentials counted for a retirement's preview. */
export const MAX_PREVIEW_COUNT = 1000;

export type ChangePreview =
  | { kind: Exclude<ChangeKind, 'retire'>; credential: CredentialView }
  | { kind: 'retire'; agent: AgentRecord; credentials: number; more: boolean };

/**
 * The preview of `kind` on `target`.
 * @throws InputError `ERR_INVALID_ARGUMENT` for an unknown kind; LegateError
 *   `ERR_NOT_FOUND` for no such credential or agent.
 */
export async function changePreview(ctx: NodeContext, kind: string, target: string): Promise<ChangePreview> {
  if (!(CHANGE_KINDS as readonly string[]).includes(kind)) throw legateError('ERR_INVALID_ARGUMENT', `kind must be one of ${CHANGE_KINDS.join(', ')}`, { claim: 'kind' });
  if (target.length === 0 || target.length > 2048) throw legateError('ERR_INVALID_ARGUMENT', 'target must be a credential id or an agent name', { claim: 'target' });
  if (kind === 'retire') {
    const agent = await ctx.store.getAgent(target);
    if (agent === undefined) throw legateError('ERR_NOT_FOUND', 'no such agent in this node', { claim: 'target' });
    const held = await ctx.store.pageCredentials({ subject: agent.did, limit: MAX_PREVIEW_COUNT + 1 });
    return { kind, agent, credentials: Math.min(held.length, MAX_PREVIEW_COUNT), more: held.length > MAX_PREVIEW_COUNT };
  }
  const record = await ctx.store.getCredential(target);
  if (record === undefined) throw legateError('ERR_NOT_FOUND', 'no such credential in this node', { claim: 'target' });
  return { kind: kind as Exclude<ChangeKind, 'retire'>, credential: await viewCredential(ctx, record) };
}
