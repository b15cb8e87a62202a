/**
 * @module bench/trace-sink
 *
 * Stands for an operator's OpenTelemetry SDK in the observed fleet case,
 * on `@opentelemetry/api` alone: a tracer whose spans record their
 * attributes and status and, once ended, are buffered and dropped in
 * batches of 512, as a batch processor hands them to an exporter; and, when
 * asked, an AsyncLocalStorage context manager (the one OpenTelemetry's Node
 * SDK installs, so active spans nest; on Node 20 it makes every promise of
 * the process pay for async hooks). What it leaves out is the exporter's own
 * work.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, type Attributes, type AttributeValue, type Context, type ContextManager, type Span, type SpanContext, type SpanStatus } from '@opentelemetry/api';

class AlsContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]): unknown => this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/**
 * Trace and span ids as the Node SDK's `RandomIdGenerator` makes them
 * (`@opentelemetry/sdk-trace-base`): `Math.random` words written into one
 * shared buffer. Ids are not secrets; drawing them from `crypto.randomBytes`
 * (a call into OpenSSL per span) cost this stand-in ~20 µs an action that
 * no real SDK pays.
 */
const ID_BUFFER = Buffer.allocUnsafe(16);
function randomId(bytes: 8 | 16): string {
  for (let i = 0; i < bytes / 4; i++) ID_BUFFER.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, i * 4);
  if (ID_BUFFER.subarray(0, bytes).every((byte) => byte === 0)) ID_BUFFER[bytes - 1] = 1;
  return ID_BUFFER.toString('hex', 0, bytes);
}

/** Registers the stand-in SDK globally (with the AsyncLocalStorage context manager when `als`); returns how many spans ended. */
export function registerTraceSink(als = true): { ended(): number } {
  let ended = 0;
  let batch: unknown[] = [];
  const finish = (record: unknown) => {
    ended++;
    batch.push(record);
    if (batch.length >= 512) batch = [];
  };
  const start = (name: string, attributes: Attributes | undefined, parent: Context): Span => {
    const parentSpan = trace.getSpan(parent)?.spanContext();
    const spanContext: SpanContext = { traceId: parentSpan?.traceId ?? randomId(16), spanId: randomId(8), traceFlags: 1 };
    const record = { name, attributes: { ...attributes }, status: undefined as SpanStatus | undefined, start: performance.now(), end: 0, parent: parentSpan?.spanId };
    const span: Span = {
      spanContext: () => spanContext,
      setAttribute: (key: string, value: AttributeValue) => ((record.attributes[key] = value), span),
      setAttributes: (more: Attributes) => (Object.assign(record.attributes, more), span),
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: (status: SpanStatus) => ((record.status = status), span),
      updateName: (next: string) => ((record.name = next), span),
      end: () => {
        record.end = performance.now();
        finish(record);
      },
      isRecording: () => true,
      recordException: () => undefined,
    };
    return span;
  };
  const tracer = {
    startSpan: (name: string, options?: { attributes?: Attributes }, ctx?: Context) => start(name, options?.attributes, ctx ?? context.active()),
    startActiveSpan: (name: string, ...rest: unknown[]) => {
      const fn = rest[rest.length - 1] as (span: Span) => unknown;
      const options = rest.length > 1 && typeof rest[0] === 'object' ? (rest[0] as { attributes?: Attributes }) : undefined;
      const parent = context.active();
      const span = start(name, options?.attributes, parent);
      return context.with(trace.setSpan(parent, span), fn, undefined, span);
    },
  };
  if (als) context.setGlobalContextManager(new AlsContextManager());
  trace.setGlobalTracerProvider({ getTracer: () => tracer });
  return { ended: () => ended };
}
