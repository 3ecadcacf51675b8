import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCRATCH_ENV } from "./scratch.js";

/** The root of every temp folder the tests make (test/support/scratch.ts), removed when the run ends. */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "secrets-platform-test-"));
  // Workers start after the global setup and inherit its environment.
  process.env[SCRATCH_ENV] = root;
  return () => rmSync(root, { recursive: true, force: true });
}
