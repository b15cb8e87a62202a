/**
 * @module store/ports/alerts
 *
 * Alerts a node fired over its decision stream and its periodic checks
 * (table `alerts`), and the capabilities each agent has used (table
 * `capability_uses`, what the first-use rule remembers across restarts and
 * instances). An alert is stored once per dedupe key (rule + subject +
 * window): two instances of a fleet that both see the same burst store one.
 */

/** How much an alert asks of a person. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** One stored alert. */
export interface AlertRecord {
  /** `urn:uuid:…`. */
  id: string;
  /** The rule that fired (`failed-auth`, `denial-spike`, `first-use`, `expiry`, `refresh-failed`). */
  rule: string;
  severity: AlertSeverity;
  /** What it is about: an agent DID, a peer (`ip:<address>` or a DID), a credential id, a key id or a list URL. */
  subject: string;
  message: string;
  /** Bounded JSON object (the writer bounds it). */
  details: Record<string, unknown>;
  /** ISO 8601 UTC. */
  firedAt: string;
  acknowledgedAt?: string | undefined;
  /** The operator who acknowledged it. */
  acknowledgedBy?: string | undefined;
}

/** Which alerts to list, newest first. */
export interface AlertQuery {
  rule?: string | undefined;
  /** Fired at or after this ISO 8601 time. */
  since?: string | undefined;
  /** Only alerts nobody has acknowledged. */
  open?: boolean | undefined;
  /** At most this many (a positive integer). */
  limit: number;
}

export interface AlertRepository {
  /** Stores an alert unless one with the same `dedupeKey` is stored; true when this call stored it. */
  putAlert(alert: AlertRecord, dedupeKey: string): Promise<boolean>;
  getAlert(id: string): Promise<AlertRecord | undefined>;
  listAlerts(query: AlertQuery): Promise<AlertRecord[]>;
  /**
   * Marks an alert acknowledged at `at` by `by`; an alert already
   * acknowledged keeps its first acknowledgement. Undefined for an unknown id.
   */
  acknowledgeAlert(id: string, at: string, by: string): Promise<AlertRecord | undefined>;
  /** How many unacknowledged alerts each rule has. */
  countOpenAlerts(): Promise<{ rule: string; count: number }[]>;
  /** Deletes alerts acknowledged before `before`; returns how many. */
  sweepAlerts(before: string): Promise<number>;
  /**
   * Remembers that `agent` used `capability` (first at `at`); true when it
   * had not before (this call is the first use, on any instance). Once
   * `max` pairs are remembered, new ones are not, and the answer is false.
   */
  recordCapabilityUse(agent: string, capability: string, at: string, max: number): Promise<boolean>;
}
