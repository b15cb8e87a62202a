/**
 * @module node/oauth/request-token
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's implementation.
 */

import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';
import type { RequestTokenOptions, RequestedToken } from './types.js';

const pending = (): never => {
  throw legateError('ERR_INTERNAL', 'not built yet (#15)');
};
export function requestToken(_node: NodeContext, _options: RequestTokenOptions): Promise<RequestedToken> {
  return pending();
}
