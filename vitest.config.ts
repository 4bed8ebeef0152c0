import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Server tests bind loopback ports and measure timing; keep files from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
