/**
 * @module node/data-dir
 *
 * File modes of a data directory. Everything in it is private to its owner:
 * the directory is created 0700, and the database, its `-wal`/`-shm` files,
 * the key store and the admin token 0600. SQLite creates `-wal` and `-shm`
 * with the mode of the database file itself, so creating `legate.db` 0600
 * before SQLite first opens it keeps them private whatever the umask.
 *
 * On open, the files Legate made are tightened back to 0600 when group or
 * others can reach them (with a warning), the directory, which the user may
 * have made, only draws a warning, and a readable `master.key` is refused
 * when it is used (see keys/master-key), as ssh refuses a readable identity.
 */

import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_FILES } from './context.js';

/** Receives a human-readable warning about the data directory. */
export type WarningSink = (message: string) => void;

/** Files Legate creates in a data directory and keeps at 0600. */
export const PRIVATE_FILES = [
  DATA_FILES.database,
  `${DATA_FILES.database}-wal`,
  `${DATA_FILES.database}-shm`,
  DATA_FILES.adminToken,
  'keystore.json',
] as const;

const checksModes = process.platform !== 'win32';
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Creates an empty owner-only file (0600), failing if it exists. An empty
 * file is a valid new SQLite database, so the database is made this way.
 */
export function createPrivateFile(path: string): void {
  writeFileSync(path, '', { mode: 0o600, flag: 'wx' });
  // The mode given to open(2) is masked by the umask, which only removes bits; chmod settles it.
  if (checksModes) chmodSync(path, 0o600);
}

/**
 * Checks the modes of an existing data directory: warns when group or others
 * can open the directory, and tightens Legate's own files to 0600 (warning
 * that it did). Files that cannot be changed (another owner) draw a warning.
 *
 * @example
 * ```ts
 * secureDataDir('.legate', (message) => console.warn(message));
 * ```
 */
export function secureDataDir(dataDir: string, warn: WarningSink): void {
  if (!checksModes) return;
  const dirMode = statSync(dataDir).mode;
  if ((dirMode & 0o077) !== 0) {
    warn(`the data directory ${dataDir} can be opened by group or others (mode ${octal(dirMode)}); run: chmod 700 ${dataDir}`);
  }
  for (const name of PRIVATE_FILES) {
    const path = join(dataDir, name);
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode;
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(path, 0o600);
      warn(`${path} was readable by group or others (mode ${octal(mode)}); changed it to 0600`);
    } catch {
      warn(`${path} is readable by group or others (mode ${octal(mode)}) and could not be changed; run: chmod 600 ${path}`);
    }
  }
  const keyFile = join(dataDir, 'master.key');
  if (existsSync(keyFile) && (statSync(keyFile).mode & 0o077) !== 0) {
    warn(`${keyFile} is readable by group or others: keys cannot be unsealed until you run chmod 600 ${keyFile} (and consider it disclosed)`);
  }
}
