/**
 * @module store/ports/settings
 *
 * Small named values: node settings a fleet shares, published-document
 * versions.
 */

/** Named string values. */
export interface SettingsRepository {
  getSetting(name: string): Promise<string | undefined>;
  putSetting(name: string, value: string): Promise<void>;
}
