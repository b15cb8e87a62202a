/**
 * The files this process has open that SQLite made temporary: named
 * `etilqs_*` and unlinked at once, they are where a savepoint's journal goes
 * past 64 KiB unless `temp_store = MEMORY`. Read from `/proc/self/fd`;
 * `available` is false where there is no such directory (then the list is
 * always empty, and a test must not take that for an answer).
 */

import { existsSync, readdirSync, readlinkSync } from 'node:fs';

export const available = existsSync('/proc/self/fd');

export function sqliteTemporaryFiles(): string[] {
  if (!available) return [];
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((link) => link.includes('etilqs'));
}
