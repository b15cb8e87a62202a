import { describe, expect, it } from 'vitest';
import { actionMatches, capabilityCovers, resourceMatches } from '../../src/capability/match.js';

describe('actionMatches', () => {
  it('matches * against any action and names exactly', () => {
    expect(actionMatches('*', 'read')).toBe(true);
    expect(actionMatches('read', 'read')).toBe(true);
    expect(actionMatches('read', 'write')).toBe(false);
    expect(actionMatches('read', 'Read')).toBe(false);
    expect(actionMatches('read', 'read ')).toBe(false);
  });

  it('never matches an empty or wildcard request action', () => {
    expect(actionMatches('*', '')).toBe(false);
    expect(actionMatches('*', '*')).toBe(false);
    expect(actionMatches('', '')).toBe(false);
  });
});

describe('resourceMatches', () => {
  it('compares concrete patterns segment by segment, exactly', () => {
    expect(resourceMatches('crm:tickets', 'crm:tickets')).toBe(true);
    expect(resourceMatches('crm:tickets', 'crm:tickets:42')).toBe(false);
    expect(resourceMatches('crm:tickets:42', 'crm:tickets')).toBe(false);
    expect(resourceMatches('crm:tickets', 'crm:ticketsX')).toBe(false);
    expect(resourceMatches('crm', 'crmx')).toBe(false);
  });

  it('lets a final * match one or more segments', () => {
    expect(resourceMatches('crm:*', 'crm:tickets')).toBe(true);
    expect(resourceMatches('crm:*', 'crm:tickets:42:notes')).toBe(true);
    expect(resourceMatches('crm:tickets:*', 'crm:tickets:42')).toBe(true);
  });

  it('does not let crm:* match crm itself, crm:, or a sibling prefix', () => {
    expect(resourceMatches('crm:*', 'crm')).toBe(false);
    expect(resourceMatches('crm:*', 'crm:')).toBe(false);
    expect(resourceMatches('crm:*', 'crmx:tickets')).toBe(false);
    expect(resourceMatches('crm:*', 'billing:crm')).toBe(false);
  });

  it('lets * alone match every well-formed resource', () => {
    expect(resourceMatches('*', 'crm')).toBe(true);
    expect(resourceMatches('*', 'crm:tickets:42')).toBe(true);
  });

  it('matches no malformed resource, not even with *', () => {
    for (const bad of ['', 'crm:', ':crm', 'crm::tickets', '*', 'crm:*', 'crm:*:x']) {
      expect(resourceMatches('*', bad), bad).toBe(false);
      expect(resourceMatches('crm:*', bad), bad).toBe(false);
    }
  });

  it('treats a non-final * as a literal segment, which no request contains', () => {
    expect(resourceMatches('crm:*:notes', 'crm:tickets:notes')).toBe(false);
    expect(resourceMatches('*:tickets', 'crm:tickets')).toBe(false);
  });
});

describe('capabilityCovers: scope', () => {
  const read = { action: 'read', resource: 'crm:customer_records' };
  const scoped = { ...read, scope: 'assigned_tickets_only' };

  it('never lets a scoped capability satisfy an unscoped request', () => {
    expect(capabilityCovers(scoped, read)).toBe(false);
  });

  it('lets a scoped capability satisfy a request with the same scope only', () => {
    expect(capabilityCovers(scoped, scoped)).toBe(true);
    expect(capabilityCovers(scoped, { ...read, scope: 'all_tickets' })).toBe(false);
    expect(capabilityCovers(scoped, { ...read, scope: 'ASSIGNED_TICKETS_ONLY' })).toBe(false);
  });

  it('lets an unscoped capability satisfy scoped and unscoped requests', () => {
    expect(capabilityCovers(read, read)).toBe(true);
    expect(capabilityCovers(read, scoped)).toBe(true);
  });

  it('needs action and resource to match as well', () => {
    expect(capabilityCovers(scoped, { ...scoped, action: 'write' })).toBe(false);
    expect(capabilityCovers(scoped, { ...scoped, resource: 'crm:customer_records:7' })).toBe(false);
    expect(capabilityCovers({ action: '*', resource: '*' }, { action: 'delete', resource: 'anything:at:all' })).toBe(true);
  });
});
