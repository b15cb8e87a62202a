// A node's signing worker for batches (node/signing): one thread shared by the batches that come, kept while they
// come, stopped once unused for a while and when the node closes; a thread that failed is replaced.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SigningWorker } from '../../src/keys/signing-worker.js';
import { createSigningService, type SigningService } from '../../src/node/signing.js';

let service: SigningService | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await service?.close();
  service = undefined;
});

const grab = (s: SigningService) => s.use((worker) => Promise.resolve(worker));

describe('signing service', () => {
  it('shares one worker between batches, at once or one after another', async () => {
    service = createSigningService(60_000);
    const [a, b] = await Promise.all([grab(service), grab(service)]);
    expect(a).toBe(b);
    expect(await grab(service)).toBe(a);
    expect(a.usable()).toBe(true);
  });

  it('stops the worker once unused for its idle time, and starts another for the next batch', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    service = createSigningService(10_000);
    const first = await grab(service);
    // A batch still running keeps it, however long.
    let finish: () => void = () => undefined;
    const running = service.use((worker) => new Promise<SigningWorker>((resolve) => (finish = () => resolve(worker))));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(first.usable()).toBe(true);
    finish();
    expect(await running).toBe(first);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(first.usable()).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(first.usable()).toBe(false);
    const second = await grab(service);
    expect(second).not.toBe(first);
    expect(second.usable()).toBe(true);
  });

  it('replaces a worker that failed', async () => {
    service = createSigningService(60_000);
    const first = await grab(service);
    await first.close();
    const second = await grab(service);
    expect(second).not.toBe(first);
    expect(second.usable()).toBe(true);
  });

  it('refuses batches once closed (ERR_INTERNAL), its worker stopped', async () => {
    service = createSigningService(60_000);
    const worker = await grab(service);
    await service.close();
    expect(worker.usable()).toBe(false);
    await expect(grab(service)).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});
