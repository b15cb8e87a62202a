// acme's node over HTTP, in process: the key lifecycle behind the admin token
// (GET /admin/keys, POST /admin/keys/rotate|revoke|retire), with its refusals.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { createApp } from '../../src/server/app.js';
import { NOW } from '../fixtures.js';

const ORG = 'did:web:acme.example';
const OWNER = 'mailto:carol@acme.example';
const clock = () => new Date(NOW.getTime());
let node: NodeContext;
let token: string;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-admin-keys-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  node = await openNode({ dataDir, clock });
  app = createApp({ node, maxBodyBytes: 64 * 1024, onUnexpectedError: () => undefined });
  await createAgent(node, { name: 'alice', owner: OWNER });
  await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
});
afterEach(() => node.close());

const call = (method: 'GET' | 'POST', path: string, body?: unknown, auth = `Bearer ${token}`) =>
  app.request(path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });

describe('/admin/keys', () => {
  it('rotates the organization key and an agent key, lists them, and revokes the old organization key', async () => {
    const rotated = await call('POST', '/admin/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(await rotated.json()).toMatchObject({ controller: ORG, oldKid: `${ORG}#key-1`, newKid: `${ORG}#key-2`, retired: [] });
    expect(await (await call('POST', '/admin/keys/rotate', { agent: 'alice' })).json()).toMatchObject({ agent: 'alice', newKid: `${ORG}:agents:alice#key-2` });

    const listed = (await (await call('GET', '/admin/keys')).json()) as { kid: string; current: boolean }[];
    expect(listed.filter((k) => k.current).map((k) => k.kid)).toEqual(expect.arrayContaining([`${ORG}#key-2`, `${ORG}:agents:alice#key-2`]));

    const revoked = await call('POST', '/admin/keys/revoke', { kid: `${ORG}#key-1`, compromisedSince: NOW.toISOString() });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ kid: `${ORG}#key-1`, revoked: [] });
    expect(await (await call('POST', '/admin/keys/retire')).json()).toEqual([]);
    const document = (await (await app.request('/.well-known/did.json')).json()) as { verificationMethod: { id: string }[] };
    expect(document.verificationMethod.map((m) => m.id)).toEqual([`${ORG}#key-2`]);
  });

  it('refuses with stable codes: the last key 409 ERR_LAST_KEY, a did:key agent 400 ERR_KEY_ROTATION_UNSUPPORTED, an unknown field 400 ERR_SCHEMA, no token 401', async () => {
    const last = await call('POST', '/admin/keys/revoke', { kid: `${ORG}#key-1`, compromisedSince: NOW.toISOString() });
    expect(last.status).toBe(409);
    expect(await last.json()).toMatchObject({ code: 'ERR_LAST_KEY' });
    const didKey = await call('POST', '/admin/keys/rotate', { agent: 'helper' });
    expect(didKey.status).toBe(400);
    expect(await didKey.json()).toMatchObject({ code: 'ERR_KEY_ROTATION_UNSUPPORTED' });
    const successor = await call('POST', '/admin/keys/rotate', { agent: 'helper', successor: 'helper-2' });
    expect(successor.status).toBe(200);
    expect(await successor.json()).toMatchObject({ agent: 'helper', successor: 'helper-2' });
    const orphan = await call('POST', '/admin/keys/rotate', { successor: 'helper-3' });
    expect(orphan.status).toBe(400);
    expect(await orphan.json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const unknown = await call('POST', '/admin/keys/rotate', { agnet: 'alice' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'ERR_SCHEMA' });
    const badTime = await call('POST', '/admin/keys/revoke', { kid: `${ORG}#key-1`, compromisedSince: 'last week' });
    expect(badTime.status).toBe(400);
    expect(await badTime.json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const anonymous = await call('GET', '/admin/keys', undefined, 'Bearer wrong');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
  });
});
