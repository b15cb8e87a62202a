// The console in a real headless Chromium (Debian's, driven by playwright-core), against two real nodes on
// loopback (#18): bank (Northwind Bank) verifies the actions of support's agent customer-support (Helpdesk
// Tools). dana signs in to support's console and bank's; she watches a denial arrive in bank's live feed, revokes
// customer-support's credential from support's console (two steps) and sees bank deny the next action, and sees
// the alert bank raises after eleven failed authentications in a minute. She also approves a closure waiting in
// support's approval inbox with her own key, which support attests and bank accepts through its trust in support
// for closures (bank names no approver), and sees the retry allowed. Screenshots of every page are saved to
// test-results/console/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { addOperator } from '../../src/node/operators/add.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { STATUS_LIST_TTL_MS } from '../../src/node/status.js';
import { browserSkipReason, launchChromium, screenshotPath } from '../helpers/browser.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

const skip = browserSkipReason();
const PASSWORD = 'dana-has-a-long-password';
/** Long enough for the feed's poll (4 s) on a busy machine. */
const WAIT_MS = 30_000;

let offset = 0;
const clock = () => new Date(Date.now() + offset);

describe.skipIf(skip !== undefined)('the console in Chromium', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;
  let credentialId: string;
  let browser: Browser;
  let context: BrowserContext;
  const refund = (value: number) => ({ agent: 'customer-support', peer: teller, action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });

  beforeAll(async () => {
    bank = await startNode('bank', { clock, sessionLifetimeSeconds: 3600, statusPush: { enabled: false } });
    support = await startNode('support', { clock, statusPush: { enabled: false } });
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund', 'close:billing:account_closure'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    const carol = await createAgent(support.node, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    await createAgent(support.node, { name: 'customer-support', owner: carol.did });
    credentialId = (
      await issueToAgent(support.node, {
        agent: 'customer-support',
        capabilities: [
          { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
          { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
        ],
      })
    ).id;
    for (const running of [bank, support]) await addOperator(running.node, { name: 'dana', role: 'admin', password: PASSWORD, actor: 'test' });
    await handshake(support.node, { agent: 'customer-support', peer: teller });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await bank?.server.close();
    await support?.server.close();
  });

  async function signIn(node: RunningNode): Promise<Page> {
    // Both nodes are on localhost, and cookies do not tell ports apart: start each sign-in from none.
    await context.clearCookies();
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${node.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.fill('input[name=name]', 'dana');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${node.url}/console/agents`);
    return page;
  }

  it('signs in, and shows every page', async () => {
    const page = await context.newPage();
    await page.goto(`${support.url}/console/login`);
    await page.screenshot({ path: screenshotPath('sign-in'), fullPage: true });
    await page.close();
    const signedIn = await signIn(support);
    expect(await signedIn.textContent('header .who')).toContain('dana');
    expect(await signedIn.locator('tr[data-agent="customer-support"]').count()).toBe(1);
    await signedIn.screenshot({ path: screenshotPath('agents'), fullPage: true });
    for (const [path, name] of [
      ['/console/agents/customer-support', 'agent'],
      ['/console/federation', 'federation'],
      ['/console/decisions', 'decisions'],
      ['/console/charts', 'charts'],
      ['/console/alerts', 'alerts'],
      ['/console/operators', 'operators'],
    ] as const) {
      const response = await signedIn.goto(`${support.url}${path}`);
      expect(response?.status(), path).toBe(200);
      await signedIn.screenshot({ path: screenshotPath(name), fullPage: true });
    }
    await signedIn.close();
  }, 120_000);

  it('shows a denial arriving in the live decision feed', async () => {
    const page = await signIn(bank);
    await page.goto(`${bank.url}/console/decisions`);
    expect(await page.locator('tr[data-decision="deny"]').count()).toBe(0);
    expect(await act(support.node, refund(150))).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_CONSTRAINT_AMOUNT' }] });
    const row = page.locator('tr[data-decision="deny"]').first();
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.textContent()).toContain('ERR_CONSTRAINT_AMOUNT');
    await page.screenshot({ path: screenshotPath('decisions-live'), fullPage: true });
    await page.close();
  }, 120_000);

  it('approves a pending action in the inbox, then the retry is allowed', async () => {
    const asked = await act(support.node, { agent: 'customer-support', peer: teller, action: 'close', resource: 'billing:account_closure', params: { account: 'acct-7' } });
    expect(asked).toMatchObject({ decision: 'approval_required' });
    const page = await signIn(support);
    await page.goto(`${support.url}/console/approvals`);
    const row = page.locator(`tr[data-request="${asked.inboxId!}"]`);
    expect(await row.getAttribute('data-status')).toBe('pending');
    await page.screenshot({ path: screenshotPath('approvals'), fullPage: true });
    await row.locator('button[data-approve]').click();
    await page.waitForSelector(`tr[data-request="${asked.inboxId!}"][data-status="approved"]`);
    await page.locator(`tr[data-request="${asked.inboxId!}"] button[data-retry]`).click();
    await page.waitForSelector('[data-retry-decision="allow"]');
    await page.screenshot({ path: screenshotPath('approvals-retried'), fullPage: true });
    expect(await page.getAttribute(`tr[data-request="${asked.inboxId!}"]`, 'data-status')).toBe('used');
    await page.close();
  }, 120_000);

  it('revokes a credential in two steps, then the next action is denied', async () => {
    expect(await act(support.node, refund(20))).toMatchObject({ decision: 'allow' });
    const page = await signIn(support);
    await page.goto(`${support.url}/console/agents/customer-support`);
    await page.locator(`form:has(input[name=kind][value=revoke]):has(input[name=target][value="${credentialId}"]) button`).click();
    await page.waitForSelector('[data-confirm-kind="revoke"]');
    await page.screenshot({ path: screenshotPath('revoke-confirm'), fullPage: true });
    await page.fill('input[name=reason]', 'laptop stolen');
    await page.click('button.danger');
    await page.waitForSelector('[data-outcome="done"]');
    await page.close();
    // Bank reads support's status list again once its copy is older than the list's ttl.
    offset += STATUS_LIST_TTL_MS + 5_000;
    expect(await act(support.node, refund(20))).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_REVOKED' }] });
    const [last] = await support.node.store.listAuditChains();
    expect(JSON.parse(last!.entry)).toMatchObject({ details: { operator: 'dana', reason: 'laptop stolen' } });
  }, 120_000);

  it('shows the alert bank fires after eleven failed authentications in a minute', async () => {
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${bank.url}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'not.a.jws' }) });
      expect(response.status).toBe(400);
    }
    await bank.node.services.alerts.settled();
    const page = await signIn(bank);
    await page.goto(`${bank.url}/console/alerts`);
    const alert = page.locator('tr[data-alert-rule="failed-auth"]');
    expect(await alert.count()).toBe(1);
    expect(await alert.textContent()).toContain('more than 10 failed authentications');
    await page.screenshot({ path: screenshotPath('alert'), fullPage: true });
    await page.close();
  }, 120_000);
});
