// The node's store-backed replay cache: a message's keys (its id, nonces) are
// claimed in one statement, answering the index of the first replayed key;
// the message's other keys are claimed too; an expired key may be claimed again.
// mallory replays alice's message, then sends one reusing only its nonce.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayErrors, replayKey } from '../../src/handshake/message.js';
import type { NodeContext } from '../../src/node/context.js';
import { storeReplayCache } from '../../src/node/replay.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';

let dir: string;
let store: Store;
let now: number;
let cache: ReturnType<typeof storeReplayCache>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legate-replay-'));
  store = await openSqliteStore(join(dir, 'legate.db'));
  now = NOW.getTime();
  cache = storeReplayCache({ store, clock: () => new Date(now) } as unknown as NodeContext);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const until = () => new Date(now + 60_000);

describe('storeReplayCache', () => {
  it('rememberEach answers -1 for first sights, else the first replayed index, claiming the message\'s other keys', async () => {
    expect(await cache.rememberEach!(['id:1', 'nonce:a', 'nonce:b'], until())).toBe(-1);
    // id:2 is new, nonce:a a replay: the message is refused, and id:2 and nonce:c are its own, claimed with it.
    expect(await cache.rememberEach!(['id:2', 'nonce:a', 'nonce:c'], until())).toBe(1);
    expect(await cache.remember('id:2', until())).toBe(false);
    expect(await cache.remember('nonce:c', until())).toBe(false);
    expect(await cache.rememberEach!(['id:3', 'nonce:d', 'nonce:d'], until())).toBe(2);
  });

  it('lets an expired key be claimed again, one key or several', async () => {
    expect(await cache.remember('id:1', until())).toBe(true);
    expect(await cache.rememberEach!(['id:1', 'nonce:a'], until())).toBe(0);
    now += 60_000;
    expect(await cache.rememberEach!(['id:1', 'nonce:a'], until())).toBe(-1);
    expect(await cache.remember('nonce:a', until())).toBe(false);
  });

  it('replayErrors names the replayed claim with ERR_REPLAY', async () => {
    const keys = (id: string, nonce: string) => [replayKey('ace', 'id', id), replayKey('ace', 'nonce', nonce)];
    expect(await replayErrors(cache, keys('m1', 'n1'), until())).toEqual([]);
    const replayed = await replayErrors(cache, keys('m1', 'n1'), until());
    expect(replayed.map((e) => [e.code, e.claim])).toEqual([['ERR_REPLAY', 'id']]);
    const nonceReused = await replayErrors(cache, keys('m2', 'n1'), until());
    expect(nonceReused.map((e) => [e.code, e.claim])).toEqual([['ERR_REPLAY', 'nonce']]);
  });
});
