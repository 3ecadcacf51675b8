import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Temp folders of the tests, all under one root that the test run removes when it ends, passed or failed
 * (test/support/scratch-setup.ts, a globalSetup of both projects, makes it and names it in SCRATCH_ENV): vitest ends
 * its worker processes itself, so a worker's own exit handler cannot be relied on to clean up.
 */
export const SCRATCH_ENV = "SECRETS_PLATFORM_TEST_SCRATCH";

let fallback: string | undefined;

export function scratchDir(prefix: string): string {
  let root = process.env[SCRATCH_ENV];
  if (root) mkdirSync(root, { recursive: true });
  else {
    // Outside the suite (a file run by hand without the setup): a root of this process, removed at its exit.
    if (!fallback) {
      const made = mkdtempSync(join(tmpdir(), "secrets-platform-test-"));
      process.on("exit", () => rmSync(made, { recursive: true, force: true }));
      fallback = made;
    }
    root = fallback;
  }
  return mkdtempSync(join(root, prefix));
}
