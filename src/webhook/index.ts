/**
 * @module webhook
 *
 * Signed webhook notifications (#18): what a receiver needs to check one
 * ({@link verifyWebhook}) and the wire form the node sends.
 */

export { MAX_WEBHOOK_BODY, WEBHOOK_JWS_TYPE, WEBHOOK_SIGNATURE_HEADER, signWebhook, verifyWebhook } from './message.js';
export type { VerifyWebhookOptions, WebhookBody, WebhookEvent } from './message.js';
