// The checkpointer's worker lifecycle, with node:worker_threads replaced: the
// worker ends after its last store stops (no thread left behind), and a worker
// that cannot start hands every store back its own automatic checkpoint,
// after which a new worker can start and end in turn.
import type { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ mode: 'ok', workers: [] as unknown[] }));

vi.mock('node:worker_threads', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class Worker extends Emitter {
    readonly messages: unknown[] = [];
    terminated = false;
    constructor() {
      super();
      if (fake.mode === 'throw') throw new Error('no threads here');
      fake.workers.push(this);
    }
    unref(): void {}
    postMessage(message: unknown): void {
      this.messages.push(message);
    }
    terminate(): Promise<number> {
      this.terminated = true;
      return Promise.resolve(1);
    }
  }
  return { Worker };
});

const { checkpointInBackground } = await import('../../src/store/sqlite/checkpointer.js');
type FakeWorker = EventEmitter & { messages: unknown[]; terminated: boolean };
const last = () => fake.workers.at(-1) as FakeWorker;

beforeEach(() => {
  vi.useFakeTimers();
  fake.mode = 'ok';
});
afterEach(() => {
  vi.useRealTimers();
});

describe('checkpointer worker lifecycle', () => {
  it('ends the worker once the last store using it stops, and not before', () => {
    const stopA = checkpointInBackground('/data/a.db', () => undefined);
    const stopB = checkpointInBackground('/data/b.db', () => undefined);
    const worker = last();
    expect(worker.messages).toEqual([{ open: '/data/a.db' }, { open: '/data/b.db' }]);
    stopA();
    stopA(); // idempotent: a store closed twice stops once
    vi.advanceTimersByTime(5_000);
    expect(worker.terminated).toBe(false);
    stopB();
    expect(worker.messages.slice(2)).toEqual([{ close: '/data/a.db' }, { close: '/data/b.db' }]);
    vi.advanceTimersByTime(1_000);
    expect(worker.terminated).toBe(true);
  });

  it('falls back at once when no worker can be created', () => {
    fake.mode = 'throw';
    const fallback = vi.fn();
    const stop = checkpointInBackground('/data/a.db', fallback);
    expect(fallback).toHaveBeenCalledTimes(1);
    stop();
  });

  it('falls back for every store when the worker fails to start, then a new worker starts and ends', () => {
    const [fallbackA, fallbackB] = [vi.fn(), vi.fn()];
    const stopA = checkpointInBackground('/data/a.db', fallbackA);
    const stopB = checkpointInBackground('/data/b.db', fallbackB);
    const failed = last();
    failed.emit('error', new Error('cannot load better-sqlite3'));
    expect([fallbackA.mock.calls.length, fallbackB.mock.calls.length]).toEqual([1, 1]);
    stopA();
    stopB();

    const stopC = checkpointInBackground('/data/c.db', () => undefined);
    const next = last();
    expect(next).not.toBe(failed);
    stopC();
    vi.advanceTimersByTime(1_000);
    expect(next.terminated).toBe(true);
  });

  it('falls back for the one file the worker cannot open', () => {
    const [fallbackA, fallbackB] = [vi.fn(), vi.fn()];
    const stopA = checkpointInBackground('/data/a.db', fallbackA);
    const stopB = checkpointInBackground('/data/missing.db', fallbackB);
    last().emit('message', { failed: '/data/missing.db' });
    expect([fallbackA.mock.calls.length, fallbackB.mock.calls.length]).toEqual([0, 1]);
    stopA();
    stopB();
    vi.advanceTimersByTime(1_000);
    expect(last().terminated).toBe(true);
  });
});
