import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import {
  restoreStackTraces,
  stackTraceSettings,
  withLeanStackTraces,
  type StackTraceSettings,
} from "../phases/stack-traces.js";
import { runProgram } from "../plan/run.js";

/** Runs `f` with the process's stack-trace settings set to `settings`, and puts back what was there. */
async function from<T>(settings: StackTraceSettings, f: () => Promise<T>): Promise<T> {
  const before = stackTraceSettings();
  restoreStackTraces(settings);
  try {
    return await f();
  } finally {
    restoreStackTraces(before);
  }
}

const frames = (stack: string | undefined) =>
  (stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at ")).length;

describe("stack traces while a program registers resources", () => {
  it("are empty while the program runs (no frames taken, no source maps), yet a resource's source position is still taken", () =>
    from({ sourceMaps: true, limit: 10 }, async () => {
      let during: { sourceMaps: boolean; limit: number; frames: number; callsites: number } | undefined;
      await withLeanStackTraces(async () => {
        // What the SDK does for every promise (runtime/debuggable.js), and for every resource (Resource.callsites).
        const callsites = (pulumi.Resource as unknown as { callsites(): { file?: string }[] })
          .callsites()
          .filter((c) => c.file).length;
        during = {
          sourceMaps: process.sourceMapsEnabled,
          limit: Error.stackTraceLimit,
          frames: frames(new Error().stack),
          callsites,
        };
        return {};
      });
      assert.deepEqual(
        { ...during!, callsites: during!.callsites > 0 },
        { sourceMaps: false, limit: 0, frames: 0, callsites: true },
      );
    }));

  it("are back as they were before anyone reads an error the program throws, its message intact", () =>
    from({ sourceMaps: true, limit: 10 }, async () => {
      const error = await withLeanStackTraces(async () => {
        throw new Error("unexpected");
      }).catch((e: Error) => e);
      assert.equal(error.message, "unexpected", "the program's own error, unchanged");
      assert.deepEqual(stackTraceSettings(), { sourceMaps: true, limit: 10 });
      assert.ok(frames(new Error().stack) > 0, "later errors have their frames again");
    }));

  it("stay lean after a successful program (its registrations go on), and the plan engine restores them after the run", () =>
    from({ sourceMaps: true, limit: 10 }, async () => {
      await withLeanStackTraces(async () => ({}));
      assert.deepEqual(
        { sourceMaps: process.sourceMapsEnabled, limit: Error.stackTraceLimit },
        { sourceMaps: false, limit: 0 },
      );
      process.setSourceMapsEnabled(true);
      Error.stackTraceLimit = 10;
      await runProgram({ project: "p", stack: "s" }, () => withLeanStackTraces(async () => ({})));
      assert.deepEqual(
        { sourceMaps: process.sourceMapsEnabled, limit: Error.stackTraceLimit },
        { sourceMaps: true, limit: 10 },
      );
    }));

  it("are left alone for whoever asked for them: the SDK's leak debugging, or --stack-trace-limit given to Node", () => {
    const probe = `import { withLeanStackTraces } from "./phases/stack-traces.ts";
      await withLeanStackTraces(async () => console.log(JSON.stringify({ limit: Error.stackTraceLimit, sourceMaps: process.sourceMapsEnabled })));`;
    const run = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(
        process.execPath,
        ["--enable-source-maps", "--import", "tsx", "--input-type=module", "-e", probe],
        { env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", NODE_OPTIONS: "", ...env }, encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { limit: number; sourceMaps: boolean };
    };
    assert.deepEqual(run({}), { limit: 0, sourceMaps: false });
    assert.deepEqual(run({ PULUMI_DEBUG_PROMISE_LEAKS: "1" }), { limit: 10, sourceMaps: true });
    assert.deepEqual(run({ NODE_OPTIONS: "--stack-trace-limit=25" }), { limit: 25, sourceMaps: true });
  });
});
