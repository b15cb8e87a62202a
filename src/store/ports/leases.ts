/**
 * @module store/ports/leases
 *
 * Which instance of a fleet runs a scheduled job (the status-list refresh):
 * a named lease taken or renewed atomically, so exactly one holder works at a
 * time and another takes over when the holder stops renewing.
 */

/** Named leases over one store. */
export interface LeaseRepository {
  /**
   * Takes or renews the lease `name` for `holder` until `until` (ISO 8601),
   * atomically: true when it was free, had expired by `now`, or was already
   * `holder`'s; false while another holder's lease runs.
   */
  acquireLease(name: string, holder: string, until: string, now: string): Promise<boolean>;
}
