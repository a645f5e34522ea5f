// The installed-package suite (test/installed): run by tests/release against the npm tarball installed into a fresh
// directory and a running relay; not part of `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'http://localhost:3000/installed-check' } },
    include: ['test/installed/**/*.test.ts'],
    testTimeout: 30000,
  },
});
