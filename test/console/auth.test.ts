// Console sign-in, sessions and the guard over HTTP, on acme with an injected clock (#18): the cookie's
// attributes; one answer for an unknown name, a wrong password and a locked account; the lockout and its end;
// TOTP when the account has it, each code once; CSRF on every change (token, origin, fetch metadata); sessions
// ended by their absolute lifetime, by idling, by signing out and by removal; roles; nothing secret in answers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../src/lib/totp.js';
import type { NodeContext } from '../../src/node/context.js';
import { addOperator } from '../../src/node/operators/add.js';
import { removeOperator } from '../../src/node/operators/change.js';
import { enableTotp } from '../../src/node/operators/totp.js';
import { createApp } from '../../src/server/app.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from '../node/acme.js';

const ORIGIN = 'http://127.0.0.1:7401';
const DANA_PASSWORD = 'dana-has-a-long-password';
const VICTOR_PASSWORD = 'victor-only-looks-around';

let now: Date;
let node: NodeContext;
let dataDir: string;
let app: Hono;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-console-auth-', () => new Date(now.getTime())));
  await addOperator(node, { name: 'dana', role: 'admin', password: DANA_PASSWORD, actor: 'test' });
  await addOperator(node, { name: 'victor', role: 'viewer', password: VICTOR_PASSWORD, actor: 'test' });
  app = createApp({ node, onUnexpectedError: () => undefined });
});
afterEach(() => node.close());

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return app.request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'sec-fetch-site': 'same-origin', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const cookieOf = (response: Response) => /legate_console=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

/** Signs in and returns the cookie header and the session's CSRF token (read from a page, as a browser would). */
async function signIn(name: string, password: string, extra: Record<string, string> = {}) {
  const response = await post('/console/login', { name, password, ...extra });
  expect(response.status).toBe(303);
  const cookie = `legate_console=${cookieOf(response)!}`;
  const page = await (await app.request(`${ORIGIN}/console/agents`, { headers: { cookie } })).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for /console, Secure except over http on loopback', async () => {
    const response = await post('/console/login', { name: 'dana', password: DANA_PASSWORD });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/agents');
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).toMatch(/Max-Age=28800/);
    expect(cookie).not.toMatch(/Secure/);
    const remote = await app.request('https://acme.example/console/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://acme.example' },
      body: new URLSearchParams({ name: 'dana', password: DANA_PASSWORD }).toString(),
    });
    expect(remote.headers.get('set-cookie')).toMatch(/Secure/);
    // The store keeps only the token's hash.
    const token = cookieOf(response)!;
    expect(await node.store.getOperatorSession(token)).toBeUndefined();
  });

  it('gives one answer for an unknown name, a wrong password and a locked account', async () => {
    const unknown = await post('/console/login', { name: 'mallory', password: DANA_PASSWORD });
    const wrong = await post('/console/login', { name: 'dana', password: 'not-the-password-at-all' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const [a, b] = [await unknown.text(), await wrong.text()];
    expect(a).toBe(b);
    expect(a).toContain('data-error="ERR_SIGN_IN_FAILED"');
    expect(a).not.toContain(DANA_PASSWORD);
    expect(unknown.headers.get('set-cookie')).toBeNull();
  });

  it('locks the account after five failures, with the same answer, until the lockout ends', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/console/login', { name: 'dana', password: `wrong-password-${i}` })).status).toBe(401);
    const locked = await post('/console/login', { name: 'dana', password: DANA_PASSWORD });
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain('data-error="ERR_SIGN_IN_FAILED"');
    now = new Date(NOW.getTime() + 15 * 60_000);
    expect((await post('/console/login', { name: 'dana', password: DANA_PASSWORD })).status).toBe(303);
    expect((await node.store.getOperator('dana'))?.failedCount).toBe(0);
  });

  it('asks for the TOTP code when the account has one, and takes each code once', async () => {
    const { secret } = await enableTotp(node, 'dana', 'test');
    const seed = base32Decode(secret);
    expect((await post('/console/login', { name: 'dana', password: DANA_PASSWORD })).status).toBe(401);
    const code = totpCode(seed, totpStep(now.getTime()));
    expect((await post('/console/login', { name: 'dana', password: DANA_PASSWORD, totp: code })).status).toBe(303);
    expect((await post('/console/login', { name: 'dana', password: DANA_PASSWORD, totp: code })).status).toBe(401);
    expect((await node.store.getOperator('dana'))?.totpSecret).not.toEqual(seed);
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const response = await post('/console/login', { name: 'dana', password: DANA_PASSWORD }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'ERR_CSRF' });
  });
});

describe('the guard', () => {
  it('sends a browser without a session to sign in, and refuses a change with ERR_SESSION_REQUIRED', async () => {
    const page = await app.request(`${ORIGIN}/console/agents`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/login');
    const change = await post('/console/actions', { kind: 'revoke', target: 'urn:uuid:x' });
    expect(change.status).toBe(401);
    expect(await change.json()).toMatchObject({ code: 'ERR_SESSION_REQUIRED' });
  });

  it('refuses a change without the CSRF token, with a wrong one, or from another origin', async () => {
    const { cookie, csrf } = await signIn('dana', DANA_PASSWORD);
    const fields = { kind: 'revoke', target: 'urn:uuid:x' };
    for (const [extra, headers] of [
      [{}, {}],
      [{ csrf: `${csrf}x` }, {}],
      [{ csrf }, { origin: 'https://evil.example' }],
      [{ csrf }, { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const response = await post('/console/actions', { ...fields, ...extra }, { cookie, ...headers });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'ERR_CSRF' });
    }
    // With the token, the change goes on (here, to its confirmation: the target does not exist).
    expect((await post('/console/actions', { ...fields, csrf }, { cookie })).status).toBe(404);
    expect((await post('/console/actions', fields, { cookie, 'x-csrf-token': csrf })).status).toBe(404);
  });

  it('refuses a viewer a revocation with ERR_OPERATOR_ROLE', async () => {
    const { cookie, csrf } = await signIn('victor', VICTOR_PASSWORD);
    const response = await post('/console/actions', { kind: 'revoke', target: 'urn:uuid:x', confirm: 'yes', csrf }, { cookie });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'ERR_OPERATOR_ROLE' });
  });

  it('ends a session after its idle timeout and after its absolute lifetime', async () => {
    const idle = await signIn('dana', DANA_PASSWORD);
    now = new Date(now.getTime() + 31 * 60_000);
    expect((await app.request(`${ORIGIN}/console/agents`, { headers: { cookie: idle.cookie } })).status).toBe(303);

    const busy = await signIn('dana', DANA_PASSWORD);
    for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
      now = new Date(now.getTime() + 20 * 60_000);
      expect((await app.request(`${ORIGIN}/console/agents`, { headers: { cookie: busy.cookie } })).status, `at ${minutes} min`).toBe(200);
    }
    now = new Date(now.getTime() + 20 * 60_000);
    const expired = await post('/console/actions', { kind: 'revoke', target: 'urn:uuid:x', csrf: busy.csrf }, { cookie: busy.cookie });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'ERR_SESSION_REQUIRED' });
  });

  it('ends sessions on sign-out and when the operator is removed', async () => {
    const first = await signIn('dana', DANA_PASSWORD);
    const out = await post('/console/logout', { csrf: first.csrf }, { cookie: first.cookie });
    expect(out.status).toBe(303);
    expect((await app.request(`${ORIGIN}/console/agents`, { headers: { cookie: first.cookie } })).status).toBe(303);

    const second = await signIn('victor', VICTOR_PASSWORD);
    await removeOperator(node, 'victor', 'dana');
    expect((await app.request(`${ORIGIN}/console/agents`, { headers: { cookie: second.cookie } })).status).toBe(303);
    expect((await post('/console/login', { name: 'victor', password: VICTOR_PASSWORD })).status).toBe(401);
  });
});

describe('bootstrap over the admin token', () => {
  it('adds an operator with POST /admin/operators and lists them without secrets', async () => {
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const added = await app.request(`${ORIGIN}/admin/operators`, { method: 'POST', headers, body: JSON.stringify({ name: 'erin', role: 'approver', password: 'erin-approves-payments' }) });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ name: 'erin', role: 'approver', did: expect.stringMatching(/^did:key:z6Mk/) as unknown, totp: false });
    const weak = await app.request(`${ORIGIN}/admin/operators`, { method: 'POST', headers, body: JSON.stringify({ name: 'frank', role: 'viewer', password: 'short' }) });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ code: 'ERR_SCHEMA' });
    const listed = await (await app.request(`${ORIGIN}/admin/operators`, { headers })).text();
    expect(listed).toContain('erin');
    expect(listed).not.toContain('scrypt');
  });
});

function base32Decode(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}
