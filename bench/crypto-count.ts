/**
 * @module bench/crypto-count
 *
 * Counts the signatures and verifications a process makes through
 * node:crypto's one-shot `sign` and `verify` (every Ed25519 operation of
 * Legate's, `lib/ed25519`), so a case can state the cryptography floor of
 * what it measured from what it actually did, not from a count written down
 * by hand. The functions are wrapped on the builtin module and the named
 * ESM exports synced (`syncBuiltinESMExports`), so modules that imported
 * them by name call the wrappers too. For benchmarks only.
 */

import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

export interface CryptoCounts {
  signatures: number;
  verifications: number;
}

/** Starts counting; `stop()` puts node:crypto's own functions back. */
export function countCrypto(): { counts: CryptoCounts; stop(): void } {
  const counts: CryptoCounts = { signatures: 0, verifications: 0 };
  const { sign, verify } = crypto;
  const mutable = crypto as { sign: typeof sign; verify: typeof verify };
  mutable.sign = ((...args: Parameters<typeof sign>) => {
    counts.signatures++;
    return (sign as (...a: unknown[]) => unknown)(...args);
  }) as typeof sign;
  mutable.verify = ((...args: Parameters<typeof verify>) => {
    counts.verifications++;
    return (verify as (...a: unknown[]) => unknown)(...args);
  }) as typeof verify;
  syncBuiltinESMExports();
  return {
    counts,
    stop() {
      mutable.sign = sign;
      mutable.verify = verify;
      syncBuiltinESMExports();
    },
  };
}
