/**
 * @module mcp/tools
 *
 * Which Legate capability an MCP request needs, read from its JSON-RPC body.
 * Only `tools/call` asks for authority beyond a valid token: the tool's
 * mapping gives the action, the resource and the amount of this call.
 * Everything else (`initialize`, `tools/list`, notifications, responses)
 * needs only a token valid for this server, as the MCP authorization spec
 * has it. A batch (protocol versions that allow one) needs what each of its
 * calls needs. A tool without a mapping is refused: an author who forgets
 * one leaves a tool closed, never open to any token holder.
 */

import { isConcreteResource } from '../capability/match.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { ToolAuthority, ToolArguments, ToolRequirement } from './types.js';

/** A concrete resource in the charset of the capability schema (`action:resource` scope strings rely on it). */
const RESOURCE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/;
const MAX_RESOURCE_LENGTH = 512;

/** Most messages in one JSON-RPC batch the helper reads: a batch of calls is authorized call by call. */
export const MAX_BATCH = 32;

/**
 * The requirements of a JSON-RPC body (one message or a batch): one per
 * `tools/call`, none for any other message.
 * @throws InputError `ERR_MALFORMED` for a body that is not JSON-RPC, or a
 *   `tools/call` without a tool name or with non-object arguments;
 *   `ERR_INPUT_TOO_LARGE` for a batch over {@link MAX_BATCH};
 *   `ERR_INVALID_ARGUMENT` when a mapping computes no usable resource.
 * @throws AuthorizationError `ERR_NOT_AUTHORIZED` for a tool with no mapping.
 *
 * @example
 * ```ts
 * toolRequirements({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund', arguments: { amount: 40 } } }, {
 *   refund: { action: 'refund', resource: 'billing:refunds', amount: (a) => ({ value: Number(a.amount), currency: 'EUR' }) },
 * });
 * // [{ tool: 'refund', action: 'refund', resource: 'billing:refunds', amount: { value: 40, currency: 'EUR' } }]
 * ```
 */
export function toolRequirements(body: unknown, tools: Readonly<Record<string, ToolAuthority>>): ToolRequirement[] {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0) throw legateError('ERR_MALFORMED', 'an empty JSON-RPC batch', { claim: 'body' });
  if (messages.length > MAX_BATCH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `a JSON-RPC batch of more than ${MAX_BATCH} messages`, { claim: 'body' });
  }
  const requirements: ToolRequirement[] = [];
  for (const message of messages) {
    if (!isRecord(message) || message.jsonrpc !== '2.0') throw legateError('ERR_MALFORMED', 'not a JSON-RPC 2.0 message', { claim: 'body' });
    if (message.method === 'tools/call') requirements.push(requirementOf(message.params, tools));
  }
  return requirements;
}

function requirementOf(params: unknown, tools: Readonly<Record<string, ToolAuthority>>): ToolRequirement {
  if (!isRecord(params) || typeof params.name !== 'string' || params.name.length === 0) {
    throw legateError('ERR_MALFORMED', 'a tools/call without a tool name', { claim: 'params.name' });
  }
  const tool = params.name;
  const args = params.arguments ?? {};
  if (!isRecord(args) || Array.isArray(args)) throw legateError('ERR_MALFORMED', `the arguments of ${preview(tool)} are not an object`, { claim: 'params.arguments' });
  // Own properties only: a tool named `constructor` or `__proto__` must not find Object.prototype's.
  const authority = Object.hasOwn(tools, tool) ? tools[tool] : undefined;
  if (authority === undefined) {
    throw legateError('ERR_NOT_AUTHORIZED', `the tool ${preview(tool)} has no Legate authority mapping on this server`, { claim: 'params.name' });
  }
  return resolve(tool, authority, args);
}

function resolve(tool: string, authority: ToolAuthority, args: ToolArguments): ToolRequirement {
  const resource = typeof authority.resource === 'function' ? authority.resource(args) : authority.resource;
  // A computed resource comes from the caller's arguments: a wildcard there would ask for more than one call needs.
  if (typeof resource !== 'string' || resource.length > MAX_RESOURCE_LENGTH || !RESOURCE.test(resource) || !isConcreteResource(resource)) {
    throw legateError('ERR_INVALID_ARGUMENT', `the tool ${preview(tool)} maps to no concrete resource`, { claim: 'resource' });
  }
  const amount = authority.amount?.(args);
  return {
    tool,
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
