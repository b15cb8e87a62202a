/**
 * @module cli/commands/read-parent
 *
 * `--credential <id|file>`: a credential id (`urn:uuid:…`) is passed through;
 * anything else is read as a file holding a JWT or `cap issue --json` output.
 */

import { readInput } from '../io.js';
import { extractToken } from './verify.js';

export function readParent(value: string): string {
  return /^urn:[a-z0-9][a-z0-9-]*:/i.test(value) ? value : extractToken(readInput(value));
}
