import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScope, parseScope, parseScopes, scopeString, type ScopedCapability } from '../../src/oauth/scope.js';
import { MAX_GRANTED_CAPABILITIES } from '../../src/oauth/types.js';
import { thrown } from '../fixtures.js';

describe('scope strings: <action>:<resource>[#<scope-tag>]', () => {
  it('splits at the first colon and keeps the rest of the resource', () => {
    expect(parseScope('read:crm:contacts:*')).toEqual({ action: 'read', resource: 'crm:contacts:*' });
    expect(parseScope('*:*')).toEqual({ action: '*', resource: '*' });
  });

  it('keeps the scope tag of a scoped capability, so it never reads as the unscoped one', () => {
    const scoped = parseScope('read:crm:customer_records#assigned_tickets_only');
    expect(scoped).toEqual({ action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' });
    expect(formatScope(scoped)).toBe('read:crm:customer_records#assigned_tickets_only');
    expect(formatScope({ action: 'read', resource: 'crm:customer_records' })).not.toBe(formatScope(scoped));
    // A scope tag may itself hold colons.
    expect(parseScope('pay:bank:acct#team:treasury')).toEqual({ action: 'pay', resource: 'bank:acct', scope: 'team:treasury' });
  });

  it.each([
    ['', 'empty'],
    ['read', 'form'],
    [':crm', 'action'],
    ['read:', 'resource'],
    ['1read:crm', 'action'],
    ['re ad:crm', 'action'],
    ['read:crm contacts', 'resource'],
    ['read:crm::contacts', 'resource'],
    ['read:crm:*:x', 'resource'],
    ['read:crm/contacts', 'resource'],
    ['read:crm#', 'scope'],
    ['read:crm#a#b', 'form'],
    ['re#ad:crm', 'form'],
    ['read:crm#tag with space', 'scope'],
    ['read:crm#ünïcode', 'scope'],
    [`read:${'a'.repeat(513)}`, 'resource'],
    [`${'a'.repeat(65)}:crm`, 'action'],
    [`read:crm#${'a'.repeat(129)}`, 'scope'],
  ])('refuses %j with ERR_INVALID_SCOPE (%s)', async (token, reason) => {
    const error = await thrown(() => parseScope(token));
    expect(error.code).toBe('ERR_INVALID_SCOPE');
    expect(error.claim).toBe('scope');
    expect(error.reason).toBe(reason);
  });

  it('refuses to format a capability outside the charsets', async () => {
    expect((await thrown(() => formatScope({ action: 'read', resource: 'crm#x' }))).code).toBe('ERR_INVALID_SCOPE');
    expect((await thrown(() => formatScope({ action: 'read', resource: 'crm', scope: '' }))).code).toBe('ERR_INVALID_SCOPE');
  });

  it('reads a space-separated scope parameter in order, duplicates dropped', () => {
    expect(parseScopes('read:crm pay:bank:acct#t read:crm')).toEqual([
      { action: 'read', resource: 'crm' },
      { action: 'pay', resource: 'bank:acct', scope: 't' },
    ]);
    expect(parseScopes('')).toEqual([]);
    expect(parseScopes('  read:crm  ')).toEqual([{ action: 'read', resource: 'crm' }]);
  });

  it('refuses more than MAX_GRANTED_CAPABILITIES capabilities, and an overlong parameter', async () => {
    const many = Array.from({ length: MAX_GRANTED_CAPABILITIES + 1 }, (_, i) => `read:r${i}`).join(' ');
    const tooMany = await thrown(() => parseScopes(many));
    expect(tooMany.code).toBe('ERR_INVALID_SCOPE');
    expect(tooMany.reason).toBe('too-many');
    expect(parseScopes(many.split(' ').slice(0, MAX_GRANTED_CAPABILITIES).join(' '))).toHaveLength(MAX_GRANTED_CAPABILITIES);
    expect((await thrown(() => parseScopes('read:crm '.repeat(10_000)))).code).toBe('ERR_INPUT_TOO_LARGE');
    expect((await thrown(() => parseScopes('read:crm bad'))).code).toBe('ERR_INVALID_SCOPE');
  });

  it('writes capabilities as one scope parameter', () => {
    expect(scopeString([{ action: 'read', resource: 'crm' }, { action: 'pay', resource: 'bank', scope: 's' }, { action: 'read', resource: 'crm' }])).toBe(
      'read:crm pay:bank#s',
    );
    expect(scopeString([])).toBe('');
  });

  const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
  const capability: fc.Arbitrary<ScopedCapability> = fc.record(
    {
      action: fc.oneof(fc.constant('*'), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/)),
      resource: fc.oneof(
        fc.constant('*'),
        fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([segments, star]) => segments.join(':') + (star ? ':*' : '')),
      ),
      scope: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,30}$/),
    },
    { requiredKeys: ['action', 'resource'] },
  );

  it('round-trips every capability the schema allows (property)', () => {
    fc.assert(
      fc.property(capability, (c) => {
        const token = formatScope(c);
        expect(parseScope(token)).toEqual(c);
        // A scope token is RFC 6749 §3.3 NQCHAR: printable ASCII but space, quote and backslash.
        expect(token).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
      }),
    );
  });

  it('round-trips lists through scopeString and parseScopes (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(capability, { maxLength: 10, selector: formatScope }), (caps) => {
        expect(parseScopes(scopeString(caps))).toEqual(caps);
      }),
    );
  });
});
