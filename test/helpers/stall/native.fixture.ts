// A file whose test blocks its thread in native code (opening a FIFO no one writes to), where no inspector reaches it (test/helpers/stall-reporter.test.ts).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('opens a FIFO no one writes to', () => {
  expect(readFileSync(process.env.STALL_FIFO!, 'utf8')).toBe('never');
});
