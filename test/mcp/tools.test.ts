// Which capability an MCP request needs, failing closed: tools/call its tool's, a few messages a valid token only, any other method refused.
import { describe, expect, it } from 'vitest';
import { MAX_BATCH, TOKEN_ONLY_METHODS, toolRequirements } from '../../src/mcp/tools.js';
import type { ToolAuthority } from '../../src/mcp/types.js';

const tools: Record<string, ToolAuthority> = {
  lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` },
  refund: { action: 'refund', resource: 'billing:refunds', scope: 'eu', amount: (args) => ({ value: Number(args.amount), currency: 'EUR' }) },
};
const call = (name: unknown, args?: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, ...(args === undefined ? {} : { arguments: args }) } });

describe('toolRequirements', () => {
  it('maps a tools/call to its capability, with the resource and amount of this call', () => {
    expect(toolRequirements(call('lookup_invoice', { id: 'INV-7' }), tools)).toEqual([{ method: 'tools/call', tool: 'lookup_invoice', action: 'read', resource: 'billing:invoices:INV-7' }]);
    expect(toolRequirements(call('refund', { amount: 40 }), tools)).toEqual([
      { method: 'tools/call', tool: 'refund', action: 'refund', resource: 'billing:refunds', scope: 'eu', amount: { value: 40, currency: 'EUR' } },
    ]);
  });

  it('asks nothing beyond a valid token of initialize, ping, tools/list, notifications and responses', () => {
    const messages = [
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'a', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4 } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 5, method: 'ping' },
      { jsonrpc: '2.0', id: 3, result: {} },
      { jsonrpc: '2.0', id: 6, error: { code: -32601, message: 'no sampling here' } },
    ];
    for (const message of messages) expect(toolRequirements(message, tools)).toEqual([]);
    expect(TOKEN_ONLY_METHODS).toEqual(['initialize', 'ping', 'tools/list']);
  });

  it('refuses every other method (fail closed), a notification-named request with an id, and a message that is none of the three', () => {
    for (const method of ['resources/read', 'resources/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'sampling/createMessage', 'constructor', 'toString']) {
      expect(() => toolRequirements({ jsonrpc: '2.0', id: 1, method, params: {} }, tools)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED', claim: 'method' }));
      // Without an id it is a notification by JSON-RPC, but not an MCP one: refused all the same.
      expect(() => toolRequirements({ jsonrpc: '2.0', method }, tools)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED' }));
    }
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 1, method: 'notifications/initialized' }, tools)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED' }));
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 1 }, tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 1, method: 7 }, tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED', claim: 'method' }));
  });

  it('opens a method the author maps: to a valid token, or to a capability computed from its params', () => {
    const methods = {
      'resources/list': 'token' as const,
      'resources/read': { action: 'read', resource: (params: Record<string, unknown>) => `docs:${String(params.uri).replace(/^docs:\/\//, '')}` },
      'tools/list': { action: 'list', resource: 'mcp:tools' },
    };
    expect(toolRequirements({ jsonrpc: '2.0', id: 1, method: 'resources/list' }, tools, methods)).toEqual([]);
    expect(toolRequirements({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'docs://faq' } }, tools, methods)).toEqual([
      { method: 'resources/read', action: 'read', resource: 'docs:faq' },
    ]);
    // A token-only method the author closes behind a capability.
    expect(toolRequirements({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, tools, methods)).toEqual([{ method: 'tools/list', action: 'list', resource: 'mcp:tools' }]);
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 4, method: 'resources/read', params: { uri: 'docs://*' } }, tools, methods)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'resource' }),
    );
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 5, method: 'resources/read', params: ['docs://faq'] }, tools, methods)).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED', claim: 'params' }),
    );
    expect(() => toolRequirements({ jsonrpc: '2.0', id: 6, method: 'prompts/get' }, tools, methods)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED' }));
  });

  it('needs what every call of a batch needs', () => {
    const batch = [call('lookup_invoice', { id: 'A' }, 1), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, call('refund', { amount: 5 }, 3)];
    expect(toolRequirements(batch, tools).map((r) => r.tool)).toEqual(['lookup_invoice', 'refund']);
    // One refused message refuses the batch.
    const smuggled = [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///etc/passwd' } }];
    expect(() => toolRequirements(smuggled, tools)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED' }));
    expect(() => toolRequirements([], tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    const tooMany = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/list' }));
    expect(() => toolRequirements(tooMany, tools)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }));
  });

  it('refuses a tool without a mapping, including names Object.prototype has', () => {
    for (const name of ['delete_everything', 'constructor', '__proto__', 'toString']) {
      expect(() => toolRequirements(call(name, {}), tools)).toThrow(expect.objectContaining({ code: 'ERR_NOT_AUTHORIZED', claim: 'params.name' }));
    }
  });

  it('refuses what is not JSON-RPC, a call without a name, and arguments that are not an object', () => {
    for (const body of [null, 'tools/call', { method: 'tools/call' }, { jsonrpc: '1.0', method: 'tools/list' }]) {
      expect(() => toolRequirements(body, tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    }
    expect(() => toolRequirements(call(''), tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED', claim: 'params.name' }));
    expect(() => toolRequirements(call(7), tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    expect(() => toolRequirements(call('refund', [40]), tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED', claim: 'params.arguments' }));
    expect(() => toolRequirements(call('refund', 'x'), tools)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED', claim: 'params.arguments' }));
  });

  it('refuses a computed resource that is a pattern or outside the capability charset', () => {
    for (const id of ['*', 'a b', '', 'x:', 'ü']) {
      expect(() => toolRequirements(call('lookup_invoice', { id }), tools)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'resource' }));
    }
    // Extra segments only narrow the resource: still one concrete invoice.
    expect(toolRequirements(call('lookup_invoice', { id: 'eu:INV-1' }), tools)[0]!.resource).toBe('billing:invoices:eu:INV-1');
  });
});
