// server/heap-growth: `legate serve` bounds how far V8's heap grows between full collections. Checked in child
// processes (a V8 flag is process-wide): the same live set and the same garbage peak far lower at 10% than at 300%.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { settingSpec } from '../../src/config/settings.js';
import { MAX_HEAP_GROWTH_PERCENT, setHeapGrowth } from '../../src/server/heap-growth.js';

const HEAP_MODULE = fileURLToPath(new URL('../../dist/server/heap-growth.js', import.meta.url));

// ~20 MB kept, then garbage that outlives the young generation: a ring of objects replaced round after round.
const CHILD = `
const { setHeapGrowth } = await import(process.env.HEAP_MODULE);
const { getHeapStatistics } = await import('node:v8');
setHeapGrowth(Number(process.env.PERCENT));
const live = Array.from({ length: 20_000 }, (_, i) => 'x'.repeat(1000) + i);
const ring = new Array(20_000);
let peak = 0;
for (let round = 0; round < 600; round++) {
  for (let k = 0; k < 2_000; k++) ring[(round * 2_000 + k) % ring.length] = { n: [round, k], s: 'y'.repeat(200) + k };
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(JSON.stringify({ peak, kept: live.length }));
`;

async function peakUsedHeap(percent: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { PATH: process.env.PATH ?? '', HEAP_MODULE, PERCENT: String(percent) },
  });
  const { peak, kept } = JSON.parse(stdout) as { peak: number; kept: number };
  expect(kept).toBe(20_000);
  return peak;
}

describe('setHeapGrowth', () => {
  it('refuses anything but an integer from 0 to 300, before setting anything', () => {
    for (const bad of [-1, MAX_HEAP_GROWTH_PERCENT + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setHeapGrowth(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'heapGrowthPercent' }));
    }
    // The setting (config, below the server) states the same bounds: a value the config accepts is one serve can set.
    expect(settingSpec('heapGrowthPercent')).toMatchObject({ min: 0, max: MAX_HEAP_GROWTH_PERCENT });
  });

  it('keeps the heap near its live set at a low growth, where a high one lets garbage pile up', async () => {
    const low = await peakUsedHeap(10);
    const high = await peakUsedHeap(300);
    // Measured: about 45 MB against 97 MB.
    expect(low).toBeLessThan(high * 0.75);
  }, 60_000);
});
