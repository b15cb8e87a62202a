/**
 * @module mcp/tools
 *
 * Which Legate capability an MCP request needs, read from its JSON-RPC body,
 * failing closed. A `tools/call` needs the capability its tool is mapped to:
 * the mapping gives the action, the resource and the amount of this call.
 * Only `initialize`, `ping`, `tools/list`, notifications (`notifications/*`
 * without an id) and responses to the server's own requests need just a
 * token valid for this server. Any other method (`resources/read`,
 * `prompts/get`, `completion/complete`, …) is refused unless the author
 * opens it (`methods`: `'token'`, or a capability computed from its
 * `params`). A batch (protocol versions that allow one) needs what each of
 * its messages needs, and one refused message refuses it all. A tool or
 * method without a mapping is refused: an author who forgets one leaves it
 * closed, never open to any token holder.
 */

import { isConcreteResource } from '../capability/match.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { MethodAuthority, ToolAuthority, ToolArguments, ToolRequirement } from './types.js';

/** A concrete resource in the charset of the capability schema (`action:resource` scope strings rely on it). */
const RESOURCE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/;
const MAX_RESOURCE_LENGTH = 512;

/** Most messages in one JSON-RPC batch the helper reads: a batch of calls is authorized call by call. */
export const MAX_BATCH = 32;

/** The requests any valid token may make, unless `methods` maps them otherwise: the session's start, liveness, and the tool list. */
export const TOKEN_ONLY_METHODS: readonly string[] = Object.freeze(['initialize', 'ping', 'tools/list']);

/**
 * The requirements of a JSON-RPC body (one message or a batch): one per
 * `tools/call` or capability-mapped method, none for a message a valid
 * token is enough for.
 * @throws InputError `ERR_MALFORMED` for a body that is not JSON-RPC, or a
 *   `tools/call` without a tool name or with non-object arguments;
 *   `ERR_INPUT_TOO_LARGE` for a batch over {@link MAX_BATCH};
 *   `ERR_INVALID_ARGUMENT` when a mapping computes no usable resource.
 * @throws AuthorizationError `ERR_NOT_AUTHORIZED` for a tool with no mapping,
 *   or a method neither token-only nor opened in `methods`.
 *
 * @example
 * ```ts
 * toolRequirements({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund', arguments: { amount: 40 } } }, {
 *   refund: { action: 'refund', resource: 'billing:refunds', amount: (a) => ({ value: Number(a.amount), currency: 'EUR' }) },
 * });
 * // [{ method: 'tools/call', tool: 'refund', action: 'refund', resource: 'billing:refunds', amount: { value: 40, currency: 'EUR' } }]
 * toolRequirements({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///etc/passwd' } }, {}); // throws ERR_NOT_AUTHORIZED
 * ```
 */
export function toolRequirements(
  body: unknown,
  tools: Readonly<Record<string, ToolAuthority>>,
  methods: Readonly<Record<string, MethodAuthority>> = {},
): ToolRequirement[] {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0) throw legateError('ERR_MALFORMED', 'an empty JSON-RPC batch', { claim: 'body' });
  if (messages.length > MAX_BATCH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `a JSON-RPC batch of more than ${MAX_BATCH} messages`, { claim: 'body' });
  }
  const requirements: ToolRequirement[] = [];
  for (const message of messages) {
    const requirement = messageRequirement(message, tools, methods);
    if (requirement !== undefined) requirements.push(requirement);
  }
  return requirements;
}

/** What one JSON-RPC message needs: a capability, or `undefined` when a valid token is enough. */
function messageRequirement(message: unknown, tools: Readonly<Record<string, ToolAuthority>>, methods: Readonly<Record<string, MethodAuthority>>): ToolRequirement | undefined {
  const malformed = (what: string) => legateError('ERR_MALFORMED', what, { claim: 'body' });
  if (!isRecord(message) || Array.isArray(message) || message.jsonrpc !== '2.0') throw malformed('not a JSON-RPC 2.0 message');
  if (!Object.hasOwn(message, 'method')) {
    // A response to the server's own request (sampling, elicitation, roots): it asks nothing of the server.
    if (Object.hasOwn(message, 'id') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'))) return undefined;
    throw malformed('a JSON-RPC message that is neither a request, a notification nor a response');
  }
  const method = message.method;
  if (typeof method !== 'string' || method.length === 0) throw legateError('ERR_MALFORMED', 'a JSON-RPC method that is not a name', { claim: 'method' });
  if (method === 'tools/call') return requirementOf(message.params, tools);
  // Own properties only, as for tools.
  const mapped = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (mapped === 'token') return undefined;
  if (mapped !== undefined) return resolve({ method }, mapped, argumentsOf(message.params, method, 'params'));
  const notification = !Object.hasOwn(message, 'id') && method.startsWith('notifications/');
  if (notification || TOKEN_ONLY_METHODS.includes(method)) return undefined;
  throw legateError('ERR_NOT_AUTHORIZED', `the method ${preview(method)} is not open on this server`, { claim: 'method' });
}

function requirementOf(params: unknown, tools: Readonly<Record<string, ToolAuthority>>): ToolRequirement {
  if (!isRecord(params) || typeof params.name !== 'string' || params.name.length === 0) {
    throw legateError('ERR_MALFORMED', 'a tools/call without a tool name', { claim: 'params.name' });
  }
  const tool = params.name;
  const args = argumentsOf(params.arguments, tool, 'params.arguments');
  // Own properties only: a tool named `constructor` or `__proto__` must not find Object.prototype's.
  const authority = Object.hasOwn(tools, tool) ? tools[tool] : undefined;
  if (authority === undefined) {
    throw legateError('ERR_NOT_AUTHORIZED', `the tool ${preview(tool)} has no Legate authority mapping on this server`, { claim: 'params.name' });
  }
  return resolve({ method: 'tools/call', tool }, authority, args);
}

/** A call's arguments (or a method's params): an object, `{}` when absent. */
function argumentsOf(value: unknown, name: string, claim: string): ToolArguments {
  const args = value ?? {};
  if (!isRecord(args) || Array.isArray(args)) throw legateError('ERR_MALFORMED', `the ${claim} of ${preview(name)} are not an object`, { claim });
  return args;
}

function resolve(what: { method: string; tool?: string }, authority: ToolAuthority, args: ToolArguments): ToolRequirement {
  const resource = typeof authority.resource === 'function' ? authority.resource(args) : authority.resource;
  // A computed resource comes from the caller's arguments: a wildcard there would ask for more than one call needs.
  if (typeof resource !== 'string' || resource.length > MAX_RESOURCE_LENGTH || !RESOURCE.test(resource) || !isConcreteResource(resource)) {
    const name = what.tool === undefined ? `method ${preview(what.method)}` : `tool ${preview(what.tool)}`;
    throw legateError('ERR_INVALID_ARGUMENT', `the ${name} maps to no concrete resource`, { claim: 'resource' });
  }
  const amount = authority.amount?.(args);
  return {
    ...what,
    action: authority.action,
    resource,
    ...(authority.scope === undefined ? {} : { scope: authority.scope }),
    ...(amount === undefined ? {} : { amount }),
  };
}

/** A tool name for a message: bounded, so a hostile name cannot fill logs. */
function preview(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
