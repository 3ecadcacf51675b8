import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DELIVERY_MIX, generateRegistry } from "../bench/registry.js";
import { main } from "../bench/run.js";
import { validateRegistry } from "../registry/load.js";
import { scratchDir } from "./support/scratch.js";

/**
 * The bench itself is run with `npm run bench`; here it only has to run. Nothing below asserts a duration or a
 * memory figure: those depend on the machine, and the bench prints them for a person to read.
 */

describe("the bench's generated registries", () => {
  it("are valid registries of the requested size, with every delivery mode in the documented mix", () => {
    const generated = generateRegistry(200);
    const result = validateRegistry(
      Object.entries(generated.files).map(([file, text]) => ({ file: `purposes/${file}`, text })),
    );
    assert.ok(
      result.ok,
      result.ok
        ? ""
        : result.problems
            .slice(0, 5)
            .map((p) => `${p.file}: ${p.subject}: ${p.field}: ${p.message}`)
            .join("\n"),
    );
    assert.equal(result.registry.purposes.length, 200);
    for (const [delivery, share] of Object.entries(DELIVERY_MIX))
      assert.equal(
        result.registry.purposes.filter((p) => p.delivery === delivery).length,
        Math.floor(share * 200),
        delivery,
      );
    assert.ok(new Set(result.registry.purposes.map((p) => p.owner)).size >= 10, "spread over teams");
  });

  it("are the same for the same size", () => {
    assert.deepEqual(generateRegistry(50), generateRegistry(50));
  });
});

describe("npm run bench", () => {
  it("plans a small generated registry and its baseline, prints the table and writes bench.json", async () => {
    const out = scratchDir("bench-");
    const lines: string[] = [];
    const code = await main(["--sizes", "4", "--runs", "1", "--cold-start-runs", "0", "--out", out], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(code, 0, lines.join("\n"));
    const report = JSON.parse(readFileSync(join(out, "bench.json"), "utf8"));
    const [size] = report.sizes;
    assert.equal(size.purposes, report.fixed.purposes + 4);
    assert.ok(size.resources > report.fixed.resources, "generated purposes register resources of their own");
    const [plan, baseline] = [size.samples.plan[0], size.samples.baseline[0]];
    assert.equal(
      baseline.registrations,
      plan.customRegistrations,
      "the baseline registers exactly the plan's custom resources, run for run",
    );
    assert.ok(plan.registrations > plan.customRegistrations, "the plan also registers its stacks and components");
    assert.ok(
      lines.some((l) => /^purposes\s+resources\s+per purpose/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => l.startsWith("Targets:")),
      "the targets are printed, met or not",
    );
  });

  it("refuses bad flags with every problem and the usage, before running anything", async () => {
    const lines: string[] = [];
    const code = await main(["--sizes", "10,x", "--runs", "0"], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(code, 2);
    assert.match(
      lines.join("\n"),
      /--sizes: "10,x" is not a list of positive integers; --runs: "0" is not a positive integer/,
    );
    assert.match(lines.join("\n"), /usage: npm run bench/);
  });
});
