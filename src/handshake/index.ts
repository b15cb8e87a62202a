/**
 * @module handshake
 *
 * The ACE handshake, transport-independent (DESIGN "Handshake (ACE) and
 * sessions"): `advertise` (A → B: presentation, nonce, intents),
 * `acknowledge` (B → A: trusted and rejected intents with reason codes, B's
 * own presentation, a session token, a challenge) and the optional `confirm`
 * (A → B: A's verdict on B's capabilities). Every message is a compact JWS
 * (`typ: ace+jwt`) signed by the sender's agent key and is refused on a
 * wrong audience, a stale timestamp or a replay. The node binds it to
 * `POST /ace`.
 *
 * @example
 * ```ts
 * import { createAdvertise, handleAdvertise, handleAcknowledge, createNonce, MemoryReplayCache } from 'legate/handshake';
 * const nonce = createNonce();
 * const advertise = await createAdvertise({ signer: alice, audience: bob.did, presentation, nonce, intents });
 * const atBob = await handleAdvertise(advertise.token, { signer: bob, credentials, verify: { resolver }, replay });
 * const atAlice = await handleAcknowledge(atBob.acknowledge!.token, { signer: alice, advertise: advertise.payload,
 *   verify: { resolver }, replay: aliceReplay });
 * ```
 */

export { createAdvertise, handleAdvertise, type AdvertiseContext, type AdvertiseHandling, type CreateAdvertiseOptions } from './advertise.js';
export {
  createAcknowledge,
  handleAcknowledge,
  type AcknowledgeContext,
  type AcknowledgeHandling,
  type CreateAcknowledgeOptions,
} from './acknowledge.js';
export { createConfirm, handleConfirm, type AcknowledgeAnswered, type ConfirmContext, type ConfirmHandling, type CreateConfirmOptions } from './confirm.js';
export { createNonce, type AceVerifyContext } from './message.js';
export { MemoryReplayCache, type MemoryReplayCacheOptions, type ReplayCache } from './replay-cache.js';
export * from './types.js';
