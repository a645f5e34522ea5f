import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'https://shop.example.com/users/42/cart?tab=1' } },
    include: ['test/unit/**/*.test.ts'],
    restoreMocks: true,
  },
});
