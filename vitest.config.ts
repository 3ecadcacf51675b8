import { defineConfig } from "vitest/config";

/**
 * Two tiers, one run: `unit` (the program, its plans and reports, in-process and fast) and `real` (tests against real
 * systems the project installs: a browser today, the servers of `npm run tools` next). `npm test` runs both;
 * `npm test -- --project unit` (or `real`) runs one.
 */
export default defineConfig({
  test: {
    // One process per file: the Pulumi SDK keeps its runtime settings (mocks, monitor, stack) in module state.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["**/*.test.ts"], exclude: ["test/real/**", "test/integration/**", "node_modules/**"] } },
      { extends: true, test: { name: "real", include: ["test/real/**/*.test.ts"] } },
    ],
  },
});
