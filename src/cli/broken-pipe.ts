/**
 * @module cli/broken-pipe
 *
 * When the reader of our output goes away early (`legate audit show | head`),
 * writes fail with `EPIPE`. That is the reader's choice, not a failure of the
 * command: stop writing quietly, as `cat` does, instead of dying on an
 * unhandled 'error' event with a stack trace. The command still runs to its
 * end and exits with its own code, so a pipeline with `pipefail` never sees a
 * failed verification turn into success because its output was cut short.
 */

/**
 * Swallows `EPIPE` (and anything after it) on `stream`; any other stream
 * error is rethrown as before.
 */
export function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (broken || error.code === 'EPIPE') {
      broken = true;
      return;
    }
    throw error;
  });
}
