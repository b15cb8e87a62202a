// A file queued after the blocked one: it still runs, in a new worker (test/helpers/stall-reporter.test.ts).
import { expect, it } from 'vitest';

it('runs after the blocked worker is killed', () => {
  expect('after').toHaveLength(5);
});
