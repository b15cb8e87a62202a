/**
 * @module store/ports/approvals
 *
 * The approvers an organization names (DIDs whose signed approvals count for
 * its approval-gated actions). Backends without a table of their own keep
 * them as one setting ({@link approversInSettings}); a PostgreSQL store may
 * implement the port directly.
 */

import type { SettingsRepository } from './settings.js';

/** The organization's named approvers. */
export interface ApprovalRepository {
  /** The approvers' DIDs, in the order they were named. */
  listApprovers(): Promise<string[]>;
  /** Replaces the approvers. */
  putApprovers(dids: readonly string[]): Promise<void>;
}

const SETTING = 'approvers';

/** The approvals port over a settings port: the list is one JSON setting, `approvers`. */
export function approversInSettings(settings: SettingsRepository): ApprovalRepository {
  return {
    async listApprovers() {
      const stored = await settings.getSetting(SETTING);
      return stored === undefined ? [] : (JSON.parse(stored) as string[]);
    },
    putApprovers: (dids) => settings.putSetting(SETTING, JSON.stringify(dids)),
  };
}
