import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { main } from "../../plan/cli.js";
import { cliPassphrase } from "../../plan/passphrase-source.js";
import { planCluster, type PlanResult } from "../../plan/run.js";
import { DEMO_NOW, type DemoPlanCommand, type Provided } from "./demo-plan.js";

/**
 * globalSetup of the unit project: the demo cluster planned once per run, in vitest's main process, before any test
 * file starts. Two things are shared (test/support/demo-plan.ts reads them):
 * - `demoPlan`: planCluster's result. It holds decrypted secret values (in wire-form resources and config), so it
 *   never touches the disk: it reaches each test worker over vitest's provide channel, a structured clone in memory,
 *   which keeps what JSON would not (the Date `now`, fields that are present but undefined).
 * - `demoPlanCommand`: `npm run plan` itself, run in-process as the tests ran it, for the files that check the
 *   command and its reports (plan.json, plan.md: redacted), written into a temp dir removed at teardown.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  project.provide(
    "demoPlan",
    await attempt(async (): Promise<PlanResult> => {
      const plan = await planCluster({ cluster: "demo", passphrase: cliPassphrase("demo"), now: DEMO_NOW });
      // What a test file gets is exactly what the plan returned: a class instance or a function, which a structured
      // clone turns into a plain object or refuses, fails here rather than as a puzzling assertion in some test.
      assert.deepStrictEqual(structuredClone(plan), plan, "the demo plan does not survive a structured clone");
      return plan;
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), "demo-plan-"));
  project.provide(
    "demoPlanCommand",
    await attempt(async (): Promise<DemoPlanCommand> => {
      const argv = ["--out", dir, "--now", DEMO_NOW.toISOString()];
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { argv, code, out, err, dir };
    }),
  );
  return () => rmSync(dir, { recursive: true, force: true });
}

async function attempt<T>(make: () => Promise<T>): Promise<Provided<T>> {
  try {
    return { ok: true, value: await make() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}
