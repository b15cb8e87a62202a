/**
 * @module node/operators/sign-in
 *
 * Signs an operator in to the console (#18): name, password and, when the
 * account has one, a TOTP code. Every refusal is the one
 * `ERR_SIGN_IN_FAILED`, whatever went wrong (unknown name, wrong password or
 * code, a locked or removed account), and costs the same scrypt work: an
 * unknown name is checked against a dummy hash. Which it was goes to the
 * audit log only. `console.maxFailedSignIns` failures in a row lock the
 * account for `console.lockout`, counted in the store so every instance of
 * a fleet sees them.
 *
 * A session is a 256-bit random token, given to the browser once (the
 * cookie); the store keeps only its SHA-256, with the session's CSRF token
 * and its times.
 */

import { createHash, randomBytes } from 'node:crypto';
import { readSharedConfig } from '../../config/shared.js';
import { legateError } from '../../errors/index.js';
import { encodeBase64url } from '../../lib/base64url.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../lib/password.js';
import { matchTotp } from '../../lib/totp.js';
import type { OperatorRecord } from '../../store/ports/operators.js';
import { audit, auditUnauthenticated } from '../audit.js';
import type { NodeContext } from '../context.js';
import type { OperatorRole } from './roles.js';
import { totpSealAad } from './totp.js';
import { MAX_PASSWORD, OPERATOR_NAME } from './validate.js';

/** A signed-in session, as the console's cookie and forms need it. */
export interface SignedIn {
  /** The cookie's value: shown once, stored only as its hash. */
  token: string;
  csrfToken: string;
  operator: { name: string; role: OperatorRole; did?: string | undefined };
  /** The session's absolute end (ISO 8601). */
  expiresAt: string;
}

export interface SignInOptions {
  name: string;
  password: string;
  /** The 6-digit code, required when the account has TOTP on. */
  totp?: string | undefined;
}

/** The id a session is stored under: the SHA-256 (hex) of its token. */
export const sessionIdOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A fresh 256-bit random token, base64url. */
export const randomToken = (): string => encodeBase64url(randomBytes(32));

/** The console settings a sign-in and a session check read (`console.*`). */
export async function consolePolicy(ctx: NodeContext): Promise<{ lifetimeMs: number; idleMs: number; maxFailures: number; lockoutMs: number }> {
  const shared = await readSharedConfig(ctx.store);
  const seconds = (name: string, fallback: number) => (typeof shared[name]?.value === 'number' ? (shared[name].value) : fallback);
  return {
    lifetimeMs: seconds('console.sessionLifetime', 28_800) * 1000,
    idleMs: seconds('console.idleTimeout', 1800) * 1000,
    maxFailures: seconds('console.maxFailedSignIns', 5),
    lockoutMs: seconds('console.lockout', 900) * 1000,
  };
}

type Refusal = 'unknown' | 'removed' | 'locked' | 'password' | 'totp';

/**
 * @throws LegateError `ERR_SIGN_IN_FAILED` for any refusal; `ERR_RATE_LIMITED` when too many sign-ins are being checked at once.
 *
 * @example
 * ```ts
 * const { token, csrfToken } = await signIn(node, { name: 'dana', password, totp: '123456' });
 * ```
 */
export async function signIn(ctx: NodeContext, options: SignInOptions): Promise<SignedIn> {
  const name = typeof options.name === 'string' && OPERATOR_NAME.test(options.name) ? options.name : undefined;
  const password = typeof options.password === 'string' && options.password.length <= MAX_PASSWORD ? options.password : '';
  const record = name === undefined ? undefined : await ctx.store.getOperator(name);
  const passwordOk = await ctx.services.passwords.run(() => verifyPassword(password, record?.passwordHash ?? DUMMY_PASSWORD_HASH));
  const now = ctx.clock();
  const refusal = await refusalOf(ctx, record, passwordOk, options.totp, now);
  if (refusal !== undefined || record === undefined) {
    await refuse(ctx, record, refusal ?? 'unknown', options.name, now);
    throw legateError('ERR_SIGN_IN_FAILED', 'sign-in failed: check the name, password and code');
  }
  const policy = await consolePolicy(ctx);
  const token = randomToken();
  const csrfToken = randomToken();
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + policy.lifetimeMs).toISOString();
  await ctx.store.transaction(async (tx) => {
    if (record.failedCount !== 0 || record.lockedUntil !== undefined) await tx.updateOperator(record.name, { failedCount: 0, lockedUntil: undefined });
    await tx.putOperatorSession({ id: sessionIdOf(token), operator: record.name, csrfToken, createdAt: at, lastSeenAt: at, expiresAt });
  });
  await audit(ctx, { type: 'operator', decision: 'allow', action: 'sign-in', details: { operator: record.name, name: record.name } });
  return { token, csrfToken, operator: { name: record.name, role: record.role, ...(record.did === undefined ? {} : { did: record.did }) }, expiresAt };
}

async function refusalOf(ctx: NodeContext, record: OperatorRecord | undefined, passwordOk: boolean, totp: string | undefined, now: Date): Promise<Refusal | undefined> {
  if (record === undefined) return 'unknown';
  if (record.disabledAt !== undefined) return 'removed';
  if (record.lockedUntil !== undefined && Date.parse(record.lockedUntil) > now.getTime()) return 'locked';
  if (!passwordOk) return 'password';
  if (record.totpSecret === undefined) return undefined;
  const secret = ctx.keys.openSecret(record.totpSecret, totpSealAad(record.name));
  try {
    const step = typeof totp === 'string' ? matchTotp(secret, totp.trim(), now.getTime()) : undefined;
    // A code is taken once: the same code replayed within its window is refused.
    return step !== undefined && (await ctx.store.claimTotpStep(record.name, step)) ? undefined : 'totp';
  } finally {
    secret.fill(0);
  }
}

async function refuse(ctx: NodeContext, record: OperatorRecord | undefined, reason: Refusal, claimed: unknown, now: Date): Promise<void> {
  // Only failures that could be guesses count towards the lock; a locked account stays locked until its end.
  if (record !== undefined && (reason === 'password' || reason === 'totp')) {
    const policy = await consolePolicy(ctx);
    await ctx.store.recordSignInFailure(record.name, policy.maxFailures, new Date(now.getTime() + policy.lockoutMs).toISOString());
  }
  const name = typeof claimed === 'string' ? claimed.slice(0, 64) : '(none)';
  await auditUnauthenticated(ctx, { type: 'operator', decision: 'deny', action: 'sign-in', agent: `operator:${name}`, reasons: ['ERR_SIGN_IN_FAILED'], details: { name, reason } });
}
