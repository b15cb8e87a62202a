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
import { randomBytes } from 'node:crypto';

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
    const spanContext: SpanContext = { traceId: parentSpan?.traceId ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1 };
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
