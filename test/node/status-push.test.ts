// Revocation push (#17 item 5), each refusal with its code: subscriptions at the issuer (support) and notices at
// the verifier (bank), on real loopback nodes with real did:web resolution. partner is a third organization support
// trusts and the bank does not rely on; mallory signs what must not be accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { accredit } from '../../src/node/registry.js';
import { organizationSigner } from '../../src/node/signers.js';
import { changeStatus, statusListUrl } from '../../src/node/status.js';
import { createPushMessage, type PushKind } from '../../src/status/push.js';
import type { Signer } from '../../src/lib/signer.js';
import { mallory } from '../fixtures.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

let offset = 0;
const clock = () => new Date(Date.now() + offset);

describe('revocation push: subscriptions and notices', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let partner: RunningNode;
  let revocationList: string;
  let suspensionList: string;
  let credentialId: string;
  const failures: unknown[] = [];

  const post = async (to: RunningNode, path: string, body: Record<string, string>) => {
    const response = await fetch(`${to.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
  };
  // Subscriptions for an hour (as a node asks), notices for a minute.
  const sign = async (kind: PushKind, from: { signer: Signer; did: string }, aud: string, lists: string[], lifetimeSeconds = kind === 'notice' ? 60 : 3600, at = clock) =>
    (await createPushMessage({ kind, signer: from.signer, iss: from.did, aud, lists, lifetimeSeconds, clock: at })).token;
  const org = async (node: RunningNode) => ({ signer: await organizationSigner(node.node), did: node.did });
  const notice = async (token: string) => post(bank, '/status/notices', { notice: token });
  const subscription = async (token: string) => post(support, '/status/subscriptions', { subscription: token });

  beforeAll(async () => {
    const onError = (error: unknown) => failures.push(error);
    // Support keeps one list per subscriber and two subscriptions in all; the bank takes three notices a minute from an issuer.
    support = await startNode('support', { clock, statusPush: { onError, maxSubscriptionsPerSubscriber: 1, maxSubscriptions: 2 } });
    bank = await startNode('bank', { clock, statusPush: { onError, noticesPerWindow: 3, noticeWindowSeconds: 60 } });
    partner = await startNode('partner', { clock, statusPush: { onError } });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    await accredit(support.node, { issuer: partner.did, capabilities: ['serve:billing:*'] });
    await createAgent(support.node, { name: 'customer-support', owner: 'mailto:carol@helpdesk.example' });
    credentialId = (await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] })).id;
    const allocations = await support.node.store.getStatusAllocations(credentialId);
    revocationList = statusListUrl(support.node, allocations.find((a) => a.purpose === 'revocation')!.listId);
    suspensionList = statusListUrl(support.node, allocations.find((a) => a.purpose === 'suspension')!.listId);
  });
  afterAll(async () => {
    for (const n of [bank, support, partner]) await n?.server.close();
  });

  describe('subscriptions', () => {
    it('the bank subscribes in the background to a list it relies on; support records it until it expires', async () => {
      bank.node.services.statusPush.relyOn(revocationList, support.did);
      await bank.node.services.statusPush.idle();
      expect(failures).toEqual([]);
      expect(bank.node.services.statusPush.subscriptions()).toEqual([{ issuer: support.did, lists: [revocationList], subscribed: true }]);
      const listId = revocationList.split('/').at(-1)!;
      expect(await support.node.store.listStatusSubscribers(listId, clock().toISOString())).toEqual([bank.did]);
      // Past its hour, the subscription counts for nothing.
      expect(await support.node.store.listStatusSubscribers(listId, new Date(clock().getTime() + 3601_000).toISOString())).toEqual([]);
    });

    it('a refused subscription is reported, never thrown, and not asked again at every use', async () => {
      // partner's registry does not trust support: support's subscription to partner's lists is refused.
      const list = `${partner.url}/status/r-00000000-0000-4000-8000-000000000000`;
      support.node.services.statusPush.relyOn(list, partner.did);
      await support.node.services.statusPush.idle();
      expect(failures).toEqual([expect.objectContaining({ code: 'ERR_PEER_UNREACHABLE', reason: '403' })]);
      support.node.services.statusPush.relyOn(list, partner.did);
      await support.node.services.statusPush.idle();
      expect(failures).toHaveLength(1);
      expect(support.node.services.statusPush.subscriptions()).toEqual([{ issuer: partner.did, lists: [list], subscribed: false }]);
      failures.length = 0;
    });

    it('refuses a subscriber its registry does not trust before fetching anything for it: ERR_UNTRUSTED_ISSUER', async () => {
      // mallory's DID (did:key) resolves offline; an unresolvable did:web shows no fetch is made either.
      const refused = await subscription(await sign('subscription', mallory, support.did, [revocationList]));
      expect(refused).toMatchObject({ status: 403, body: { code: 'ERR_UNTRUSTED_ISSUER' } });
      const nowhere = { did: 'did:web:nowhere.invalid', signer: { ...mallory.signer, kid: 'did:web:nowhere.invalid#key-1' } };
      expect(await subscription(await sign('subscription', nowhere, support.did, [revocationList]))).toMatchObject({ status: 403, body: { code: 'ERR_UNTRUSTED_ISSUER' } });
    });

    it('refuses a subscription over the per-subscriber bound, and over the total: ERR_SUBSCRIPTION_LIMIT', async () => {
      const both = await subscription(await sign('subscription', await org(bank), support.did, [revocationList, suspensionList]));
      expect(both).toMatchObject({ status: 429, body: { code: 'ERR_SUBSCRIPTION_LIMIT' } });
      // A renewal of what the bank holds passes; partner takes the second place, then nobody has room.
      expect((await subscription(await sign('subscription', await org(bank), support.did, [revocationList]))).status).toBe(200);
      expect((await subscription(await sign('subscription', await org(partner), support.did, [revocationList]))).status).toBe(200);
      const third = await subscription(await sign('subscription', await org(partner), support.did, [suspensionList]));
      expect(third).toMatchObject({ status: 429, body: { code: 'ERR_SUBSCRIPTION_LIMIT' } });
    });

    it('refuses an expired, replayed, misaddressed or wrongly signed subscription, and a list of another node', async () => {
      const bankOrg = await org(bank);
      const old = await sign('subscription', bankOrg, support.did, [revocationList], 60, () => new Date(clock().getTime() - 600_000));
      expect(await subscription(old)).toMatchObject({ status: 401, body: { code: 'ERR_EXPIRED' } });
      const once = await sign('subscription', bankOrg, support.did, [revocationList]);
      expect((await subscription(once)).status).toBe(200);
      expect(await subscription(once)).toMatchObject({ status: 409, body: { code: 'ERR_REPLAY' } });
      expect(await subscription(await sign('subscription', bankOrg, partner.did, [revocationList]))).toMatchObject({ status: 400, body: { code: 'ERR_AUDIENCE' } });
      const forged = await sign('subscription', { did: bank.did, signer: { ...mallory.signer, kid: bankOrg.signer.kid } }, support.did, [revocationList]);
      expect(await subscription(forged)).toMatchObject({ status: 401, body: { code: 'ERR_SIGNATURE_INVALID' } });
      const elsewhere = await sign('subscription', bankOrg, support.did, [`${partner.url}/status/r-00000000-0000-4000-8000-000000000000`]);
      expect(await subscription(elsewhere)).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
      const tooLong = await sign('subscription', bankOrg, support.did, [revocationList], 2 * 86_400);
      expect(await subscription(tooLong)).toMatchObject({ status: 400, body: { code: 'ERR_INVALID_ARGUMENT' } });
    });
  });

  describe('notices', () => {
    it('refuses a notice from an issuer the bank does not rely on, without resolving it: ERR_UNTRUSTED_ISSUER', async () => {
      expect(await notice(await sign('notice', await org(partner), bank.did, [revocationList]))).toMatchObject({ status: 403, body: { code: 'ERR_UNTRUSTED_ISSUER' } });
      const nowhere = { did: 'did:web:nowhere.invalid', signer: { ...mallory.signer, kid: 'did:web:nowhere.invalid#key-1' } };
      expect(await notice(await sign('notice', nowhere, bank.did, [revocationList]))).toMatchObject({ status: 403, body: { code: 'ERR_UNTRUSTED_ISSUER' } });
    });

    it('refuses a notice signed with another key, expired, replayed or addressed to another organization', async () => {
      const supportOrg = await org(support);
      const forged = await sign('notice', { did: support.did, signer: { ...mallory.signer, kid: supportOrg.signer.kid } }, bank.did, [revocationList]);
      expect(await notice(forged)).toMatchObject({ status: 401, body: { code: 'ERR_SIGNATURE_INVALID' } });
      const otherKid = await sign('notice', { did: support.did, signer: mallory.signer }, bank.did, [revocationList]);
      expect(await notice(otherKid)).toMatchObject({ status: 401, body: { code: 'ERR_KID_INVALID' } });
      const old = await sign('notice', supportOrg, bank.did, [revocationList], 60, () => new Date(clock().getTime() - 600_000));
      expect(await notice(old)).toMatchObject({ status: 401, body: { code: 'ERR_EXPIRED' } });
      expect(await notice(await sign('notice', supportOrg, partner.did, [revocationList]))).toMatchObject({ status: 400, body: { code: 'ERR_AUDIENCE' } });
      const once = await sign('notice', supportOrg, bank.did, [revocationList]);
      expect(await notice(once)).toMatchObject({ status: 202, body: { issuer: support.did, expired: [revocationList] } });
      expect(await notice(once)).toMatchObject({ status: 409, body: { code: 'ERR_REPLAY' } });
    });

    it('bounds a flood: past the issuer’s rate, notices are refused (ERR_RATE_LIMITED) and expire nothing', async () => {
      offset += 61_000; // a fresh rate window
      const supportOrg = await org(support);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await notice(await sign('notice', supportOrg, bank.did, [revocationList, suspensionList])));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
      // Only the list the bank relies on is made stale, once per accepted notice.
      for (const accepted of answers.slice(0, 3)) expect(accepted.body).toEqual({ issuer: support.did, expired: [revocationList] });
      expect(answers[3]).toMatchObject({ retryAfter: '60', body: { code: 'ERR_RATE_LIMITED' } });
    });

    it('a one-shot command that revokes and closes at once still sends its notices (legate cap revoke)', async () => {
      offset += 61_000;
      const bankOrg = await org(bank);
      expect((await subscription(await sign('subscription', bankOrg, support.did, [revocationList]))).status).toBe(200);
      const { id } = await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
      const cli = await openNode({ dataDir: support.dataDir, clock, allowHttpLoopback: true });
      const answers: number[] = [];
      const postJson = cli.http.postJson.bind(cli.http);
      cli.http.postJson = async (url, json, options) => {
        const response = await postJson(url, json, options);
        answers.push(response.status);
        return response;
      };
      await changeStatus(cli, id, 'revoke');
      await cli.close();
      // To the bank (202) and partner, which relies on nothing of support's (403).
      expect(answers.sort()).toEqual([202, 403]);
    });

    it('a one-shot command subscribes to nothing it relies on (legate verify): it would be gone before a notice came', async () => {
      const cli = await openNode({ dataDir: bank.dataDir, clock, allowHttpLoopback: true, statusPush: { subscribe: false } });
      const posted: string[] = [];
      const postJson = cli.http.postJson.bind(cli.http);
      cli.http.postJson = async (url, json, options) => {
        posted.push(url);
        return postJson(url, json, options);
      };
      cli.services.statusPush.relyOn(revocationList, support.did);
      await cli.services.statusPush.idle();
      await cli.close();
      expect(posted).toEqual([]);
      expect(cli.services.statusPush.subscriptions()).toEqual([]);
    });

    it('support notifies the bank when a list it subscribed to changes; not once the subscription expired', async () => {
      offset += 61_000;
      const sent: string[] = [];
      const { http } = support.node;
      const postJson = http.postJson.bind(http);
      http.postJson = (url, json, options) => {
        sent.push(url);
        return postJson(url, json, options);
      };
      try {
        await changeStatus(support.node, credentialId, 'suspend');
        await support.node.services.statusPush.idle();
        // The suspension list has no subscriber; the revocation list (bank, partner) is untouched by a suspension.
        expect(sent).toEqual([]);
        await changeStatus(support.node, credentialId, 'revoke');
        await support.node.services.statusPush.idle();
        // One notice each, not retried: partner relies on no list of support, so it refuses its notice (reported, never thrown).
        expect(sent.sort()).toEqual([`${bank.url}/status/notices`, `${partner.url}/status/notices`].sort());
        expect(failures).toEqual([expect.objectContaining({ code: 'ERR_PEER_UNREACHABLE', reason: 'refused' })]);
        expect((failures[0] as Error).message).toContain(partner.did);
        failures.length = 0;
        sent.length = 0;
        offset += 2 * 3600_000;
        await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] }).then(({ id }) => changeStatus(support.node, id, 'revoke'));
        await support.node.services.statusPush.idle();
        expect(sent).toEqual([]);
        expect(failures).toEqual([]);
      } finally {
        http.postJson = postJson;
      }
    });
  });
});
