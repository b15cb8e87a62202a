/**
 * @module veramo/query
 *
 * `legateQueryTrustRegistry`: the ToIP Trust Registry Query Protocol's two
 * questions, asked of the plugin's trust registry in the shape
 * `POST /registry/query` takes — `{ entity, authorization, depth? }` or
 * `{ registry, recognized }` — and answered as data (yes with the path, no
 * with the reason and its code).
 */

import { legateError } from '../errors/index.js';
import { queryAuthorization, queryRecognition } from '../registry/query.js';
import { MAX_DELEGATION_DEPTH } from '../registry/types.js';
import { argsOf, optionalInteger, requiredString, withArgumentErrors } from './args.js';
import type { CallScope } from './runtime.js';
import type { LegateTrustAnswer } from './types.js';

/**
 * Answers a trust registry query.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a question of neither shape,
 * or when the plugin has no trust registry; `ERR_MALFORMED` for an
 * authorization that is not `<action>:<resource>`.
 */
export async function queryTrust(input: unknown, scope: CallScope): Promise<LegateTrustAnswer> {
  const args = argsOf(input, 'legateQueryTrustRegistry', 'LegateTrustQuery');
  const { registry } = scope.runtime;
  const ready = () => {
    if (registry === undefined) {
      throw legateError('ERR_INVALID_ARGUMENT', 'this LegatePlugin has no trust registry: pass the trust option to its constructor', { claim: 'trust' });
    }
    return registry;
  };
  if (args.entity !== undefined) {
    const entity = requiredString(args, 'entity');
    const authorization = requiredString(args, 'authorization');
    const depth = optionalInteger(args, 'depth', 0, MAX_DELEGATION_DEPTH);
    return withArgumentErrors(() => queryAuthorization(ready(), { entity, authorization, depth }));
  }
  if (args.registry !== undefined) {
    const asked = requiredString(args, 'registry');
    const recognized = requiredString(args, 'recognized');
    return withArgumentErrors(() => queryRecognition(ready(), { registry: asked, recognized }));
  }
  throw legateError('ERR_INVALID_ARGUMENT', 'ask { entity, authorization } or { registry, recognized }', { claim: 'args' });
}
