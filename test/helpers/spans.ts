/**
 * A minimal OpenTelemetry TracerProvider for tests, on `@opentelemetry/api`
 * alone (no SDK): every span started is recorded with its name, attributes
 * and status. `captureSpans()` registers it globally; `release()` restores
 * the API's no-op.
 */

import { expect } from 'vitest';
import { trace, type Attributes, type AttributeValue, type Span, type SpanContext, type SpanStatus, type TracerProvider } from '@opentelemetry/api';

export interface RecordedSpan {
  name: string;
  attributes: Attributes;
  status?: SpanStatus;
  ended: boolean;
}

function recordingSpan(name: string, attributes: Attributes | undefined, sink: RecordedSpan[]): Span {
  const recorded: RecordedSpan = { name, attributes: { ...attributes }, ended: false };
  sink.push(recorded);
  const context: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  const span: Span = {
    spanContext: () => context,
    setAttribute: (key: string, value: AttributeValue) => ((recorded.attributes[key] = value), span),
    setAttributes: (more: Attributes) => (Object.assign(recorded.attributes, more), span),
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus: (status: SpanStatus) => ((recorded.status = status), span),
    updateName: (next: string) => ((recorded.name = next), span),
    end: () => void (recorded.ended = true),
    isRecording: () => true,
    recordException: () => undefined,
  };
  return span;
}

/** Registers a recording provider; the spans land in `spans`. */
export function captureSpans(): { spans: RecordedSpan[]; release(): void } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan: (name: string, options?: { attributes?: Attributes }) => recordingSpan(name, options?.attributes, spans),
    startActiveSpan: (name: string, ...rest: unknown[]) => {
      const fn = rest[rest.length - 1] as (span: Span) => unknown;
      const options = rest.length > 1 && typeof rest[0] === 'object' ? (rest[0] as { attributes?: Attributes }) : undefined;
      return fn(recordingSpan(name, options?.attributes, spans));
    },
  };
  const provider: TracerProvider = { getTracer: () => tracer };
  trace.disable();
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('a tracer provider is registered already');
  return { spans, release: () => trace.disable() };
}

/** No attribute value holds any of `secrets`, or a JWS-looking value at all. */
export function assertNoSecret(spans: RecordedSpan[], secrets: string[]): void {
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) {
      const text = String(value);
      expect(/^ey[\w-]+\.[\w-]+\./.test(text), `${span.name} ${key}`).toBe(false);
      for (const secret of secrets) expect(text.includes(secret.slice(-24)), `${span.name} ${key}`).toBe(false);
    }
    expect(span.status?.message ?? '').toMatch(/^(ERR_[A-Z0-9_]+)?$/);
  }
}
