/**
 * @module node/oauth/token-endpoint
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's implementation.
 */

import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';
import type { EndpointResponse, TokenEndpointRequest } from './types.js';

const pending = (): never => {
  throw legateError('ERR_INTERNAL', 'not built yet (#15)');
};
export function tokenEndpoint(_node: NodeContext, _request: TokenEndpointRequest): Promise<EndpointResponse> {
  return pending();
}
