/**
 * @module legate
 *
 * Legate: identities and scoped, revocable, attributable authority for AI
 * agents across organizations. This entry point only re-exports; each area
 * is also its own subpath (`legate/did`, `legate/credential`, …) so callers
 * load only what they use.
 */

export * from './errors/index.js';
export * from './keys/index.js';
export * from './did/index.js';
export * from './credential/index.js';
export * from './store/index.js';
export * from './node/index.js';
export * from './capability/index.js';
export * from './delegation/index.js';
export * from './presentation/index.js';
export * from './status/index.js';
export * from './registry/index.js';
export * from './handshake/index.js';
export * from './session/index.js';
export * from './action/index.js';
export * from './audit/index.js';
// store/ and status/ each name the same union; one public name, status/'s.
export type { StatusPurpose } from './status/index.js';
