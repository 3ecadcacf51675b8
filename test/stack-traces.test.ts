import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withoutSourceMaps } from "../phases/source-maps.js";
import { runProgram } from "../plan/run.js";

describe("source maps while a program registers resources", () => {
  it("are off while the program runs, and back on before anyone reads the stack of an error it throws", async () => {
    process.setSourceMapsEnabled(true);
    let during: boolean | undefined;
    const error = await withoutSourceMaps(async () => {
      during = process.sourceMapsEnabled;
      throw new Error("unexpected");
    }).catch((e: Error) => e);
    assert.equal(during, false);
    assert.equal((error as Error).message, "unexpected", "the program's own error, unchanged");
    assert.equal(process.sourceMapsEnabled, true, "restored before the error's stack is read");
  });

  it("stay off after a successful program (its registrations go on), and the plan engine restores them after the run", async () => {
    process.setSourceMapsEnabled(true);
    await withoutSourceMaps(async () => ({}));
    assert.equal(process.sourceMapsEnabled, false);
    process.setSourceMapsEnabled(true);
    await runProgram({ project: "p", stack: "s" }, () => withoutSourceMaps(async () => ({})));
    assert.equal(process.sourceMapsEnabled, true);
  });
});
