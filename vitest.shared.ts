import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares: workspace packages resolve to their TypeScript
 * source (the `@raftkit/source` export condition), and each run writes a JSON report that
 * `scripts/test-summary.mjs` totals after `pnpm test`.
 */
export function packageTestConfig(options: { testTimeout?: number } = {}) {
  return defineConfig({
    // Tests run in Vite's SSR (node) environment, which has its own condition list.
    resolve: { conditions: ['@raftkit/source'] },
    ssr: { resolve: { conditions: ['@raftkit/source'], externalConditions: ['@raftkit/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      testTimeout: options.testTimeout ?? 20_000,
    },
  });
}
