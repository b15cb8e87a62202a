// A file whose second test never yields: its timeout cannot fire (run by test/helpers/stall-reporter.test.ts).
import { expect, it } from 'vitest';

function spinForEver(): number {
  let turns = 0;
  while (turns >= 0) turns++; // Never false: past 2^53 the count stops growing but stays positive.
  return turns;
}

it('finishes', () => {
  expect(1 + 1).toBe(2);
});

it('never yields', () => {
  expect(spinForEver()).toBe(0);
});
