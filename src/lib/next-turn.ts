/**
 * @module lib/next-turn
 *
 * Yielding to the event loop between units of a long job (sealing blocks,
 * writing checkpoints one after another): better-sqlite3 answers
 * synchronously, so a loop of store calls awaits only settled promises and
 * would otherwise hold the loop (and every request behind it) to its end.
 * Internal.
 */

/** Resolves on the event loop's next turn (after pending I/O callbacks). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
