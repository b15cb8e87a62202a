/**
 * @module node/oauth/evaluate
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's implementation.
 */

import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';
import type { EndpointResponse, EvaluationRequest } from './types.js';

const pending = (): never => {
  throw legateError('ERR_INTERNAL', 'not built yet (#15)');
};
export function evaluationEndpoint(_node: NodeContext, _request: EvaluationRequest): Promise<EndpointResponse> {
  return pending();
}
export function evaluationsEndpoint(_node: NodeContext, _request: EvaluationRequest): Promise<EndpointResponse> {
  return pending();
}
export function authzenConfiguration(_node: NodeContext): Record<string, unknown> {
  return pending();
}
