/**
 * Headless Chromium for the console's browser tests: Debian's `chromium`
 * package driven by playwright-core (nothing downloads a browser). Without
 * `/usr/bin/chromium` the suites skip, saying why; under CI (`CI` set) they
 * fail instead, since `.ci/run` installs it.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.LEGATE_TEST_CHROMIUM ?? '/usr/bin/chromium';

const ci = () => {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
};

/** Why the browser suites cannot run here, or undefined when they can (throws under CI). */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (ci()) throw new Error(`${reason}; CI never skips the browser suites`);
  return reason;
}

/** The flags the console tests launch Chromium with (as root it needs --no-sandbox). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Where screenshots go: `test-results/console/` (ignored by git), made on demand. */
export function screenshotPath(name: string): string {
  const dir = join(process.cwd(), 'test-results', 'console');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
