import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The by-hand tier, `npm run test:integration`: the stacks through the Automation API against the user's own pulumi
 * CLI, cluster and Vault (automation.test.ts says what each part needs). Kept out of `npm test`: the root config's
 * projects exclude test/integration.
 */
export default defineConfig({
  test: {
    // The project root, as for `npm test`: the tests read stacks/ and policies/ from the working directory.
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/integration/**/*.test.ts"],
    pool: "forks",
    // A `pulumi up` or preview against a real cluster, the first one downloading provider plugins.
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
    reporters: ["verbose"],
  },
});
