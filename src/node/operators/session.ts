/**
 * @module node/operators/session
 *
 * The console session behind a cookie: found by the hash of its token, and
 * valid while it is younger than `console.sessionLifetime`, was used within
 * `console.idleTimeout`, and its operator is neither removed nor demoted
 * below what it was (its role is read afresh each time). Signing out
 * deletes it on every instance at once.
 */

import type { NodeContext } from '../context.js';
import type { OperatorRole } from './roles.js';
import { consolePolicy, sessionIdOf } from './sign-in.js';

export interface ConsoleSession {
  operator: { name: string; role: OperatorRole; did?: string | undefined };
  csrfToken: string;
  expiresAt: string;
}

/** How stale `last_seen_at` may be before a request writes it again: one write a minute per session, not one per request. */
const TOUCH_EVERY_MS = 60_000;

/** The live session of `token`, or undefined (unknown, ended, idle too long, or its operator removed). */
export async function sessionFor(ctx: NodeContext, token: string | undefined): Promise<ConsoleSession | undefined> {
  if (token === undefined || token.length === 0 || token.length > 128) return undefined;
  const id = sessionIdOf(token);
  const session = await ctx.store.getOperatorSession(id);
  if (session === undefined) return undefined;
  const now = ctx.clock().getTime();
  const { lifetimeMs, idleMs } = await consolePolicy(ctx);
  const ended = now >= Date.parse(session.expiresAt) || now >= Date.parse(session.createdAt) + lifetimeMs || now >= Date.parse(session.lastSeenAt) + idleMs;
  const operator = ended ? undefined : await ctx.store.getOperator(session.operator);
  if (operator === undefined || operator.disabledAt !== undefined) {
    await ctx.store.deleteOperatorSession(id);
    return undefined;
  }
  if (now - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS) await ctx.store.touchOperatorSession(id, new Date(now).toISOString());
  return {
    operator: { name: operator.name, role: operator.role, ...(operator.did === undefined ? {} : { did: operator.did }) },
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}

/** Ends the session of `token` (nothing when there is none). */
export async function signOut(ctx: NodeContext, token: string | undefined): Promise<void> {
  if (token === undefined || token.length === 0 || token.length > 128) return;
  const id = sessionIdOf(token);
  const session = await ctx.store.getOperatorSession(id);
  if (session === undefined) return;
  await ctx.store.deleteOperatorSession(id);
  await ctx.services.audit.record({ type: 'operator', action: 'sign-out', details: { operator: session.operator, name: session.operator } }, ctx.store);
}
