/**
 * @module lib/trace
 *
 * Legate's OpenTelemetry spans, through `@opentelemetry/api` alone: without
 * an SDK registered by the operator, every call here is the API's no-op and
 * costs next to nothing. Library code calls {@link traced} and never the API
 * itself, so what a span may carry is decided here: identifiers (DIDs,
 * action names), decisions and reason codes, never a token, a proof, a key
 * or an error message.
 */

import { ProxyTracer, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/** The instrumentation scope of every Legate span. */
export const TRACER_NAME = 'legate';

/** A span's attributes: values other than text, numbers and booleans (undefined, objects) are left out; text is cut at 256 characters. */
export type SpanAttributes = Readonly<Record<string, unknown>>;

/** What the traced function may add to its span. */
export interface SpanScope {
  /** Adds attributes (nothing is computed into the span when no SDK records it). */
  set(attributes: SpanAttributes): void;
}

/** The attribute naming the stable error code of a failure or refusal. */
export const REASON_CODE = 'legate.reason_code';

/** Longest text an attribute keeps: values may come from a peer's unverified message. */
const MAX_ATTRIBUTE_LENGTH = 256;

function defined(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'string') out[key] = value.slice(0, MAX_ATTRIBUTE_LENGTH);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** A Legate error's stable code (never its message: a message may quote what a peer sent). */
function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^ERR_[A-Z0-9_]{1,60}$/.test(code) ? code : 'ERR_INTERNAL';
}

/** The scope of a span nobody records: what it is told is dropped. */
const NO_SPAN: SpanScope = Object.freeze({ set: () => undefined });

/** Runs `run` with no span (a synchronous throw still comes out as a rejection). */
async function untraced<T>(run: (span: SpanScope) => Promise<T>): Promise<T> {
  return run(NO_SPAN);
}

const scopeOf = (span: Span): SpanScope => ({
  set: (attributes) => {
    if (span.isRecording()) span.setAttributes(defined(attributes));
  },
});

/**
 * Runs `run` inside a span named `name` (the active span while it runs, so
 * nested calls become its children). A throw ends the span with status
 * ERROR and the error's code as `legate.reason_code`, then propagates.
 *
 * @example
 * ```ts
 * return traced('legate.action', { 'legate.agent': iss }, async (span) => {
 *   const decision = await decide();
 *   span.set({ 'legate.decision': decision.decision });
 *   return decision;
 * });
 * ```
 */
export function traced<T>(name: string, attributes: SpanAttributes, run: (span: SpanScope) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  // No SDK registered: the API hands out a proxy whose spans record nothing, so none is made (and no context entered).
  if (tracer instanceof ProxyTracer) return untraced(run);
  return tracer.startActiveSpan(name, { attributes: defined(attributes) }, async (span) => {
    try {
      return await run(scopeOf(span));
    } catch (error) {
      const code = codeOf(error);
      span.setAttribute(REASON_CODE, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      throw error;
    } finally {
      span.end();
    }
  });
}
