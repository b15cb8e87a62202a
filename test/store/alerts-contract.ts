/**
 * @module test/store/alerts-contract
 *
 * The alerts part of the store contract, run by `storeContract` for every
 * backend: an alert is stored once per dedupe key (also for racing writers),
 * lists newest first by rule, time and openness, is acknowledged once,
 * counts open alerts per rule, sweeps acknowledged ones past retention; a
 * capability use is first exactly once per agent, within the bound.
 */

import { describe, expect, it } from 'vitest';

import type { AlertRecord } from '../../src/store/ports/alerts.js';
import type { Store } from '../../src/store/types.js';

const ALICE = 'did:web:acme.example:agents:alice';
const MALLORY = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';

function alert(n: number, rule = 'failed-auth', firedAt = `2025-06-0${n}T00:00:00.000Z`): AlertRecord {
  return { id: `urn:uuid:alert-${n}`, rule, severity: 'warning', subject: `ip:203.0.113.${n}`, message: `alert ${n} é ✓`, details: { count: 11, peer: MALLORY }, firedAt };
}

export function alertsContract(store: () => Store): void {
  describe('alerts', () => {
    it('stores an alert once per dedupe key, even when two writers race', async () => {
      const results = await Promise.all([store().putAlert(alert(1), 'failed-auth|ip:203.0.113.1|m1'), store().putAlert({ ...alert(1), id: 'urn:uuid:other' }, 'failed-auth|ip:203.0.113.1|m1')]);
      expect(results.sort()).toEqual([false, true]);
      expect(await store().listAlerts({ limit: 10 })).toHaveLength(1);
      expect(await store().putAlert(alert(2), 'failed-auth|ip:203.0.113.1|m2')).toBe(true);
    });

    it('round-trips alerts and lists them newest first, by rule, time and openness, within the limit', async () => {
      await store().putAlert(alert(1), 'k1');
      await store().putAlert(alert(2, 'first-use'), 'k2');
      await store().putAlert(alert(3), 'k3');
      expect(await store().getAlert('urn:uuid:alert-2')).toEqual(alert(2, 'first-use'));
      expect(await store().getAlert('urn:uuid:nope')).toBeUndefined();
      expect((await store().listAlerts({ limit: 10 })).map((a) => a.id)).toEqual(['urn:uuid:alert-3', 'urn:uuid:alert-2', 'urn:uuid:alert-1']);
      expect((await store().listAlerts({ rule: 'failed-auth', limit: 10 })).map((a) => a.id)).toEqual(['urn:uuid:alert-3', 'urn:uuid:alert-1']);
      expect((await store().listAlerts({ since: '2025-06-02T00:00:00.000Z', limit: 1 })).map((a) => a.id)).toEqual(['urn:uuid:alert-3']);
      await store().acknowledgeAlert('urn:uuid:alert-3', '2025-06-04T00:00:00.000Z', 'carol');
      expect((await store().listAlerts({ open: true, limit: 10 })).map((a) => a.id)).toEqual(['urn:uuid:alert-2', 'urn:uuid:alert-1']);
    });

    it('acknowledges once, counts open alerts per rule, and sweeps acknowledged ones past retention', async () => {
      await store().putAlert(alert(1), 'k1');
      await store().putAlert(alert(2), 'k2');
      await store().putAlert(alert(3, 'first-use'), 'k3');
      expect(await store().countOpenAlerts()).toEqual([
        { rule: 'failed-auth', count: 2 },
        { rule: 'first-use', count: 1 },
      ]);
      const acked = await store().acknowledgeAlert('urn:uuid:alert-1', '2025-06-05T00:00:00.000Z', 'carol');
      expect(acked).toMatchObject({ acknowledgedAt: '2025-06-05T00:00:00.000Z', acknowledgedBy: 'carol' });
      // A second acknowledgement keeps the first.
      expect(await store().acknowledgeAlert('urn:uuid:alert-1', '2025-06-06T00:00:00.000Z', 'bob')).toMatchObject({ acknowledgedBy: 'carol' });
      expect(await store().acknowledgeAlert('urn:uuid:nope', '2025-06-06T00:00:00.000Z', 'bob')).toBeUndefined();
      expect(await store().countOpenAlerts()).toEqual([
        { rule: 'failed-auth', count: 1 },
        { rule: 'first-use', count: 1 },
      ]);
      expect(await store().sweepAlerts('2025-06-05T00:00:00.000Z')).toBe(0);
      expect(await store().sweepAlerts('2025-06-07T00:00:00.000Z')).toBe(1);
      expect((await store().listAlerts({ limit: 10 })).map((a) => a.id)).toEqual(['urn:uuid:alert-3', 'urn:uuid:alert-2']);
    });

    it('remembers a capability use as first once per agent, and nothing new past the bound', async () => {
      const at = '2025-06-01T00:00:00.000Z';
      const racing = await Promise.all([store().recordCapabilityUse(ALICE, 'refund billing:refund', at, 3), store().recordCapabilityUse(ALICE, 'refund billing:refund', at, 3)]);
      expect(racing.sort()).toEqual([false, true]);
      expect(await store().recordCapabilityUse(MALLORY, 'refund billing:refund', at, 3)).toBe(true);
      expect(await store().recordCapabilityUse(ALICE, 'read crm:records', at, 3)).toBe(true);
      expect(await store().recordCapabilityUse(ALICE, 'write crm:records', at, 3)).toBe(false);
      expect(await store().recordCapabilityUse(ALICE, 'read crm:records', at, 3)).toBe(false);
    });
  });
}
