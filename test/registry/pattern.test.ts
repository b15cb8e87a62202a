import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPattern, parsePattern, patternCovers, patternWithin } from '../../src/registry/pattern.js';
import { thrown } from './fixtures.js';

describe('capability patterns', () => {
  it('parses <action>:<resource>, splitting at the first colon', () => {
    expect(parsePattern('*:*')).toEqual({ action: '*', resource: '*' });
    expect(parsePattern('call:billing:*')).toEqual({ action: 'call', resource: 'billing:*' });
    expect(parsePattern('read:crm:customer_records')).toEqual({ action: 'read', resource: 'crm:customer_records' });
    expect(formatPattern(parsePattern('call:billing:*'))).toBe('call:billing:*');
  });

  it('refuses malformed patterns with ERR_MALFORMED, and non-strings with TypeError', async () => {
    for (const bad of ['read', 'read:', ':crm', 'read:crm:*:x', 'read:*:x', 're ad:crm', 'read:crm::x', `read:${'a'.repeat(600)}`]) {
      expect((await thrown(() => parsePattern(bad))).code, bad).toBe('ERR_MALFORMED');
    }
    expect(() => parsePattern(42 as unknown as string)).toThrow(TypeError);
  });

  it('covers concrete requests by the capability matching rules', () => {
    expect(patternCovers('call:billing:*', { action: 'call', resource: 'billing:refund' })).toBe(true);
    expect(patternCovers('call:billing:*', { action: 'read', resource: 'billing:refund' })).toBe(false);
    expect(patternCovers('call:billing:*', { action: 'call', resource: 'billing' })).toBe(false);
    expect(patternCovers('*:*', { action: 'read', resource: 'crm:tickets:42' })).toBe(true);
    // A wildcard request is not a concrete request.
    expect(patternCovers('*:*', { action: '*', resource: 'crm' })).toBe(false);
  });

  it('narrows by the attenuation rules', () => {
    expect(patternWithin('call:billing:refund', 'call:billing:*')).toBe(true);
    expect(patternWithin('call:billing:fx:*', 'call:billing:*')).toBe(true);
    expect(patternWithin('*:*', 'call:billing:*')).toBe(false);
    expect(patternWithin('call:*', 'call:billing:*')).toBe(false);
    expect(patternWithin('read:crm:*', '*:*')).toBe(true);
    expect(patternWithin({ action: 'read', resource: 'crm:*' }, { action: '*', resource: 'crm:*' })).toBe(true);
  });

  it('property: a pattern within another covers nothing the other does not', () => {
    const segment = fc.constantFrom('crm', 'billing', 'fx', 'x');
    const resource = fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([s, star]) => (star ? [...s, '*'] : s).join(':'));
    const pattern = fc.tuple(fc.constantFrom('*', 'read', 'call'), fc.oneof(fc.constant('*'), resource)).map(([a, r]) => `${a}:${r}`);
    const request = fc
      .tuple(fc.constantFrom('read', 'call'), fc.array(segment, { minLength: 1, maxLength: 4 }))
      .map(([action, s]) => ({ action, resource: s.join(':') }));
    fc.assert(
      fc.property(pattern, pattern, request, (child, parent, req) => {
        if (patternWithin(child, parent) && patternCovers(child, req)) expect(patternCovers(parent, req)).toBe(true);
        // A concrete capability is within a pattern exactly when the pattern covers it.
        expect(patternWithin(formatPattern(req), parent)).toBe(patternCovers(parent, req));
      }),
    );
  });
});
