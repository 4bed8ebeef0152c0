// Tests that need Debian's nats-server: skipped locally without it (with a message), and a
// check that fails in CI when it is missing.

import { describe, expect, it } from 'vitest';
import { NATS_SERVER_PACKAGE, findNatsServer } from '../../src/bus/index.js';

export const HAVE_NATS = findNatsServer() !== null;
export const IN_CI = !!process.env.CI;
export const NATS_MISSING =
  `nats-server not found: install the Debian package ${NATS_SERVER_PACKAGE} ` +
  `(apt-get install ${NATS_SERVER_PACKAGE}) or set NATS_SERVER=/path/to/nats-server`;

/** Warns when `file`'s NATS tests are skipped here, and adds the CI availability check. */
export function natsAvailability(file: string): void {
  if (!HAVE_NATS && !IN_CI) console.warn(`${file}: NATS tests skipped: ${NATS_MISSING}`);
  describe('nats-server availability', () => {
    it('nats-server is present wherever CI runs', () => {
      if (IN_CI && !HAVE_NATS) throw new Error(NATS_MISSING);
      expect(HAVE_NATS || !IN_CI).toBe(true);
    });
  });
}
