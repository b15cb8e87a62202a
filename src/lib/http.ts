/**
 * @module lib/http
 *
 * Bounded reading of a fetch `Response`, for the HTTP client's injected
 * `fetch` transport (lib/http-transport): a body is refused past a byte
 * limit, whether the server declares its length or not, and reads stop when
 * the request's signal aborts even if the injected `fetch` ignores it. Also
 * the loopback host test behind the `allowHttpLoopback` opt-in. Internal.
 */

/** The subset of `fetch` Legate calls; inject one to control the network in tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Loopback hosts: `localhost`, `127.0.0.0/8`, `[::1]`. Plain HTTP is allowed only to these, and only on opt-in. */
export function isLoopbackHost(host: string): boolean {
  if (typeof host !== 'string') return false;
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '[::1]' || h === '::1') return true;
  return /^127(?:\.(?:0|[1-9]\d{0,2})){3}$/.test(h) && h.split('.').every((part) => Number(part) <= 255);
}

/** `promise`, or a rejection with the signal's reason once it aborts (for fetches that ignore signals). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Reads a response body, refusing more than `maxBytes` by `Content-Length` or
 * by count; throws `tooLarge()` when over.
 */
export async function readBounded(response: Response, maxBytes: number, signal: AbortSignal, tooLarge: () => Error): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(0);
  // undici types the body as ReadableStream<any>; fetch bodies are byte streams.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await abortable(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks, total);
}
