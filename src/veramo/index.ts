/**
 * @module veramo
 *
 * Legate for Veramo agents: `LegatePlugin`, an `IAgentPlugin` whose methods
 * (`legateIssueCapabilityCredential`, `legateDelegateCapability`,
 * `legateVerifyCapabilityCredential`, `legateVerifyChain`,
 * `legateCreatePresentation`, `legateVerifyPresentation`, `legateAuthorize`,
 * `legateCheckCredentialStatus`, `legateQueryTrustRegistry`) call Legate's
 * library with JSON arguments and JSON results carrying Legate's error
 * codes. `@veramo/core` is an optional peer dependency, used for types only.
 *
 * @example
 * ```ts
 * import { createAgent } from '@veramo/core';
 * import { LegatePlugin, type ILegate } from 'legate/veramo';
 * const agent = createAgent<ILegate>({ plugins: [new LegatePlugin({ signers: [orgSigner] })] });
 * ```
 */

export { LegatePlugin } from './plugin.js';
export type { LegatePluginOptions } from './runtime.js';
export { schema as legatePluginSchema } from './schema.js';
export type * from './types.js';
