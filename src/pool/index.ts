/**
 * @module pool
 *
 * Verification spread over worker threads, for batch and server use.
 */

export { createVerifierPool, type VerifierPool, type VerifierPoolOptions } from './pool.js';
