/**
 * @module node/operators/totp
 *
 * Turns an operator's second factor (RFC 6238 TOTP) on or off. The secret
 * is sealed with the node's master key, bound to the operator's name; it is
 * shown once, as an `otpauth://` URI, when it is made.
 */

import { base32, newTotpSecret, otpauthUri } from '../../lib/totp.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import { assertOperatorName } from './validate.js';
import { legateError } from '../../errors/index.js';

/** What seals an operator's TOTP secret to its row. */
export const totpSealAad = (name: string): string => `operator-totp:${name}`;

/**
 * Makes a new TOTP secret for `name` (replacing any), returned once.
 * @throws `ERR_NOT_FOUND` for an unknown or removed operator.
 */
export async function enableTotp(ctx: NodeContext, name: string, actor: string): Promise<{ uri: string; secret: string }> {
  assertOperatorName(name);
  const secret = newTotpSecret();
  try {
    return await inTransaction(ctx, async (tx) => {
      const found = await tx.store.getOperator(name);
      if (found === undefined || found.disabledAt !== undefined) throw legateError('ERR_NOT_FOUND', `no operator named ${name}`, { claim: 'name' });
      await tx.store.updateOperator(name, { totpSecret: tx.keys.sealSecret(secret, totpSealAad(name)), totpLastStep: undefined });
      await audit(tx, { type: 'operator', action: 'totp-enable', details: { operator: actor, name } });
      return { uri: otpauthUri(`Legate ${ctx.organization.domain}`, name, secret), secret: base32(secret) };
    });
  } finally {
    secret.fill(0);
  }
}

/** Turns TOTP off for `name`. @throws `ERR_NOT_FOUND`. */
export async function disableTotp(ctx: NodeContext, name: string, actor: string): Promise<void> {
  assertOperatorName(name);
  await inTransaction(ctx, async (tx) => {
    const found = await tx.store.getOperator(name);
    if (found === undefined || found.disabledAt !== undefined) throw legateError('ERR_NOT_FOUND', `no operator named ${name}`, { claim: 'name' });
    await tx.store.updateOperator(name, { totpSecret: undefined, totpLastStep: undefined });
    await audit(tx, { type: 'operator', action: 'totp-disable', details: { operator: actor, name } });
  });
}
