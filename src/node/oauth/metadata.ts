/**
 * @module node/oauth/metadata
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's implementation.
 */

import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';


const pending = (): never => {
  throw legateError('ERR_INTERNAL', 'not built yet (#15)');
};
export function issuerOf(_node: NodeContext): string {
  return pending();
}
export function serverMetadata(_node: NodeContext): Record<string, unknown> {
  return pending();
}
export function publishedJwks(_node: NodeContext): Promise<{ keys: Record<string, unknown>[] }> {
  return pending();
}
