import { defineConfig } from "vitest/config";

/**
 * Two tiers, one run: `unit` (the program, its plans and reports, in-process and fast) and `real` (tests against real
 * systems the project installs: a browser today, the servers of `npm run tools` next). `npm test` runs both;
 * `npm test -- --project unit` (or `real`) runs one. The by-hand test of test/integration has a config of its own.
 */
export default defineConfig({
  test: {
    // One process per file: the Pulumi SDK keeps its runtime settings (mocks, monitor, stack) in module state.
    pool: "forks",
    // A worker per core, as node:test ran two files at once here: vitest's default keeps a core for its main process,
    // which idles once the demo plan is made (one worker on two cores took 72s against 50s for two).
    maxWorkers: "100%",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Every test by name, as node:test's spec reporter printed them, with annotations (the property tests' case counts)
    // and skip reasons; the default reporter shows neither for a passing test.
    reporters: ["verbose"],
    // `npm run coverage`: the program's modules, not the tests. scripts/ is left out: each is a few lines wiring argv to
    // a module's main(), which the tests call directly. Code run in child processes (the policy pack, the language
    // host, the bench's children) and in the globalSetup is not measured.
    coverage: {
      provider: "v8",
      include: [
        "index.ts",
        "{access,bench,cli,components,config,delivery,evidence,gitops,phases,pki,plan,policies,posture,reference,registry,vault}/**/*.ts",
      ],
      exclude: ["**/*.test.ts"],
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "coverage",
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Beside the source modules too: a module's unit test may live next to it.
          include: ["**/*.test.ts"],
          exclude: ["**/node_modules/**", "test/real/**", "test/integration/**"],
          // The demo plan, computed once per run for every file that reads it (test/support/demo-plan.ts).
          globalSetup: ["test/support/scratch-setup.ts", "test/support/demo-plan-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "real",
          include: ["test/real/**/*.test.ts"],
          // The real tier applies the same demo plan to real servers.
          globalSetup: ["test/support/scratch-setup.ts", "test/support/demo-plan-setup.ts"],
        },
      },
    ],
  },
});
