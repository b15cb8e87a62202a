// The statusPush.* shared settings reach the node; what code passes to openNode wins field by field.
import { describe, expect, it } from 'vitest';
import { setSharedSetting } from '../../src/config/shared.js';
import { DEFAULT_STATUS_PUSH_POLICY } from '../../src/node/context.js';
import { openNode } from '../../src/node/open.js';
import { acmeWithAlice } from './acme.js';

const clock = () => new Date('2026-01-01T00:00:00Z');

describe('revocation push settings', () => {
  it('defaults, the fleet settings from the store, and openNode options over them', async () => {
    const { node, dataDir } = await acmeWithAlice('legate-push-settings-', clock);
    try {
      expect(node.statusPush).toMatchObject({ ...DEFAULT_STATUS_PUSH_POLICY });
      await setSharedSetting(node.store, 'statusPush.enabled', 'false');
      await setSharedSetting(node.store, 'statusPush.noticesPerMinute', '5');
      await setSharedSetting(node.store, 'statusPush.maxSubscriptions', '100');
    } finally {
      await node.close();
    }
    const reopened = await openNode({ dataDir, clock, statusPush: { maxSubscriptions: 7 } });
    try {
      expect(reopened.statusPush).toMatchObject({ enabled: false, noticesPerWindow: 5, noticeWindowSeconds: 60, maxSubscriptions: 7, maxSubscriptionsPerSubscriber: 256 });
      // Off: a notice or a subscription is answered as a route that is not there.
      await expect(reopened.services.statusPush.receiveNotice('x.y.z')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      await expect(reopened.services.statusPush.subscribe('x.y.z')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      expect(reopened.services.statusPush.subscriptions()).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});
