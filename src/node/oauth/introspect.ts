/**
 * @module node/oauth/introspect
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's implementation.
 */

import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';
import type { EndpointResponse, IntrospectionRequest } from './types.js';

const pending = (): never => {
  throw legateError('ERR_INTERNAL', 'not built yet (#15)');
};
export function introspectionEndpoint(_node: NodeContext, _request: IntrospectionRequest): Promise<EndpointResponse> {
  return pending();
}
