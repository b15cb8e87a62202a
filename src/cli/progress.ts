/**
 * @module cli/progress
 *
 * A one-line progress bar for long commands (`cap issue --from`), redrawn
 * in place on a terminal's standard error: never on stdout, which carries
 * the results.
 */

const WIDTH = 24;

/** Digits grouped by thousands, whatever the locale: `12,500`. */
const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * The bar for `done` of `total` after `elapsedMs`: `[######------] 6,000/10,000  60%  9,412/s`.
 *
 * @example
 * ```ts
 * progressLine(5_000, 10_000, 500) // '[############------------] 5,000/10,000  50%  10,000/s'
 * ```
 */
export function progressLine(done: number, total: number, elapsedMs: number): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? `  ${grouped((done * 1000) / elapsedMs)}/s` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${grouped(done)}/${grouped(total)}  ${Math.floor(fraction * 100)}%${rate}`;
}

/** Draws {@link progressLine} on `err` in place (a carriage return, no newline until `end`). */
export function progressBar(err: NodeJS.WritableStream, total: number, clock: () => number = () => performance.now()): { update(done: number): void; end(): void } {
  const started = clock();
  let drawn = false;
  return {
    update(done) {
      err.write(`\r${progressLine(done, total, clock() - started)}`);
      drawn = true;
    },
    end() {
      if (drawn) err.write('\n');
    },
  };
}
