/**
 * @module lib/response-header
 *
 * Setting a header on a response a Hono handler has already made, in
 * place. Hono's `c.header()` after the handler returned rebuilds the
 * response around its body *stream* (at each call), which turns the Node
 * adapter's lightweight response into a full web `Response` and takes its
 * fast path away: measured on `POST /actions`, about 6% of the answering
 * node's CPU went to building and draining those streams. Internal.
 */

/** What is used of a Hono context: its response, and `header`. */
interface HeaderContext {
  res: { headers: Headers };
  header(name: string, value: string): void;
}

/** Sets `name` on `c`'s response; one whose headers are immutable (a fetched response) is rebuilt, as `c.header` does. */
export function setResponseHeader(c: HeaderContext, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
