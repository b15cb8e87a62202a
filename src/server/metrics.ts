/**
 * @module server/metrics
 *
 * `/metrics` in the Prometheus text exposition format (0.0.4), on
 * prom-client: requests by route and status with their latency,
 * verifications by outcome and code, handshakes, action decisions, token
 * exchanges, introspections and AuthZEN evaluations, and the process's own
 * metrics (CPU, memory, event-loop lag, GC: prom-client's default set).
 * Every {@link Metrics} has a registry of its own, so two nodes in one
 * process never share or clash over a series. Loaded by the server app
 * only, never by the library entry points or one-shot CLI commands.
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Labels = Record<string, string>;

/** A counter of one metric, labelled by `inc`'s labels (a subset of those declared). */
export interface LabelledCounter {
  inc(labels?: Labels, by?: number): void;
}

/** Bounds of the request latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** Also export the process's metrics (`process_*`, `nodejs_*`). Default true. */
  processMetrics?: boolean;
}

/** The node's metrics. */
export class Metrics {
  /** This node's registry: everything `/metrics` shows. */
  readonly registry = new Registry();
  readonly requests: LabelledCounter;
  readonly verifications: LabelledCounter;
  readonly handshakes: LabelledCounter;
  readonly decisions: LabelledCounter;
  readonly tokens: LabelledCounter;
  readonly introspections: LabelledCounter;
  readonly evaluations: LabelledCounter;
  readonly alertsFired: LabelledCounter;
  readonly #latency: Histogram;
  /** Reads the open alerts per rule at each scrape (set by {@link Metrics.watchAlerts}). */
  #openAlerts: (() => Promise<{ rule: string; count: number }[]>) | undefined;
  #unwatch: (() => void) | undefined;

  constructor(options: MetricsOptions = {}) {
    const counter = (name: string, help: string, labelNames: string[]): LabelledCounter => {
      const metric = new Counter({ name, help, labelNames, registers: [this.registry] });
      return { inc: (labels = {}, by = 1) => metric.inc(labels, by) };
    };
    this.requests = counter('legate_http_requests_total', 'HTTP requests by method, route and status.', ['method', 'route', 'status']);
    this.verifications = counter('legate_verifications_total', 'Verifications by kind, outcome and error code.', ['kind', 'outcome', 'code']);
    this.handshakes = counter('legate_handshakes_total', 'ACE handshake messages by type and outcome.', ['type', 'outcome', 'code']);
    this.decisions = counter('legate_action_decisions_total', 'Signed-action decisions by decision and first reason code.', ['decision', 'code']);
    this.tokens = counter('legate_oauth_tokens_total', 'Token exchange requests by outcome (issued, refused) and Legate code.', ['outcome', 'code']);
    this.introspections = counter('legate_oauth_introspections_total', 'Introspection answers by outcome (active, inactive, refused).', ['outcome']);
    this.evaluations = counter('legate_authzen_decisions_total', 'AuthZEN evaluations by decision (allow, deny, approval_required, refused) and first reason code.', ['decision', 'code']);
    this.alertsFired = counter('legate_alerts_fired_total', 'Alerts this instance stored, by rule.', ['rule']);
    const openAlerts = () => this.#openAlerts;
    new Gauge({
      name: 'legate_alerts_open',
      help: 'Alerts nobody has acknowledged yet, by rule (read from the store at each scrape).',
      labelNames: ['rule'],
      registers: [this.registry],
      async collect() {
        const read = openAlerts();
        if (read === undefined) return;
        this.reset();
        for (const { rule, count } of await read()) this.set({ rule }, count);
      },
    });
    this.#latency = new Histogram({
      name: 'legate_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one answered request and its latency. */
  request(labels: { method: string; route: string; status: string }, seconds: number): void {
    this.requests.inc(labels);
    this.#latency.observe(labels, seconds);
  }

  /**
   * Counts the alerts `alerts` stores into `legate_alerts_fired_total`, and
   * reads `legate_alerts_open` with `openAlerts` at each scrape. A second
   * call replaces the first.
   */
  watchAlerts(alerts: { listen(listener: (alert: { rule: string }) => void): () => void }, openAlerts: () => Promise<{ rule: string; count: number }[]>): void {
    this.#unwatch?.();
    this.#unwatch = alerts.listen((alert) => this.alertsFired.inc({ rule: alert.rule }));
    this.#openAlerts = openAlerts;
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
