import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: they start the real gateway jar and Chromium, so they run one at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.js'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
