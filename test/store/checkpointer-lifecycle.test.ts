// The checkpointer's worker lifecycle, with node:worker_threads replaced: each
// store's worker is its own, ends after its store stops (no thread left
// behind), and a worker that cannot start, fails, or cannot open the file
// hands its store back its own automatic checkpoint, once.
import type { EventEmitter } from 'node:events';
import type * as NodeFs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ mode: 'ok', workers: [] as unknown[] }));

vi.mock('node:worker_threads', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class Worker extends Emitter {
    readonly messages: unknown[] = [];
    terminated = false;
    constructor(
      readonly url: URL,
      readonly options: { workerData: unknown },
    ) {
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
// As in a build, where the compiled worker module sits beside the checkpointer.
vi.mock('node:fs', async (original) => ({ ...(await original<typeof NodeFs>()), existsSync: () => true }));

const { checkpointInBackground } = await import('../../src/store/sqlite/checkpointer.js');
type FakeWorker = EventEmitter & { messages: unknown[]; terminated: boolean; url: URL; options: { workerData: unknown } };
const last = () => fake.workers.at(-1) as FakeWorker;

beforeEach(() => {
  vi.useFakeTimers();
  fake.mode = 'ok';
});
afterEach(() => {
  vi.useRealTimers();
});

describe('checkpointer worker lifecycle', () => {
  it("starts the compiled worker module for one file, and ends it once that store stops", () => {
    const stop = checkpointInBackground('/data/a.db', () => undefined);
    const worker = last();
    expect(worker.url.pathname.endsWith('/checkpoint-worker.js')).toBe(true);
    expect(worker.options.workerData).toEqual({ path: '/data/a.db', intervalMs: 100 });
    stop();
    stop(); // idempotent: a store closed twice stops once
    expect(worker.messages).toEqual([{ close: true }]);
    expect(worker.terminated).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(worker.terminated).toBe(true);
  });

  it('gives each store a worker of its own', () => {
    const stopA = checkpointInBackground('/data/a.db', () => undefined);
    const a = last();
    const stopB = checkpointInBackground('/data/b.db', () => undefined);
    const b = last();
    expect(b).not.toBe(a);
    stopA();
    vi.advanceTimersByTime(1_000);
    expect([a.terminated, b.terminated]).toEqual([true, false]);
    stopB();
    vi.advanceTimersByTime(1_000);
    expect(b.terminated).toBe(true);
  });

  it('falls back at once when no worker can be created', () => {
    fake.mode = 'throw';
    const fallback = vi.fn();
    const stop = checkpointInBackground('/data/a.db', fallback);
    expect(fallback).toHaveBeenCalledTimes(1);
    stop();
  });

  it('falls back once when the worker fails, or cannot open the file', () => {
    const [fallbackA, fallbackB] = [vi.fn(), vi.fn()];
    const stopA = checkpointInBackground('/data/a.db', fallbackA);
    const a = last();
    const stopB = checkpointInBackground('/data/missing.db', fallbackB);
    const b = last();
    a.emit('error', new Error('cannot load better-sqlite3'));
    a.emit('error', new Error('and again'));
    b.emit('message', { failed: true });
    expect([fallbackA.mock.calls.length, fallbackB.mock.calls.length]).toEqual([1, 1]);
    stopA();
    stopB();
  });

  it('a stopped store hears nothing from its worker', () => {
    const fallback = vi.fn();
    const stop = checkpointInBackground('/data/a.db', fallback);
    stop();
    last().emit('error', new Error('ended'));
    expect(fallback).not.toHaveBeenCalled();
  });
});
