/**
 * @module presentation
 *
 * Presentations: a holder shows its credentials and their chains to one
 * verifier, for one challenge, as `vp+jwt`.
 */

export { createPresentation, type CreatePresentationOptions } from './create.js';
export { verifyPresentation, type VerifyPresentationOptions, type PresentationVerification } from './verify.js';
