import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { parse } from "yaml";
import { PHASE_IDS } from "../phases/catalog.js";

/** The CI pipelines offered to users (examples/ci/) run commands that exist, against stacks that exist, safely. */

const scripts = Object.keys(
  (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts,
);
const files = { github: "examples/ci/github-actions.yml", gitlab: "examples/ci/gitlab-ci.yml" } as const;
const text = (f: string) => readFileSync(f, "utf8");

describe("CI examples", () => {
  for (const [name, file] of Object.entries(files)) {
    it(`${name}: parses, and every npm run names a script of package.json`, () => {
      assert.ok(parse(text(file)));
      const runs = [...text(file).matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]!);
      assert.ok(runs.length >= 4);
      for (const run of runs) assert.ok(scripts.includes(run), `${file}: npm run ${run}`);
    });

    it(`${name}: previews and ups only phase stacks, with the policy pack, never up on root-trust`, () => {
      const t = text(file);
      const stacks = [
        ...t.matchAll(/(?:CLUSTER\}?|\{\{ env\.CLUSTER \}\})-([a-z-]+|\$\{\{ matrix\.phase \}\}|\$PHASE)/g),
      ]
        .map((m) => m[1]!)
        .filter((s) => !s.includes("{") && !s.startsWith("$"));
      assert.ok(stacks.length >= 3, `${file}: names its phase stacks`);
      for (const s of stacks) assert.ok((PHASE_IDS as readonly string[]).includes(s), `${file}: stack phase ${s}`);
      assert.ok(!/up[^\n]*root-trust/.test(t), `${file}: root-trust runs offline, never from CI`);
      assert.ok(/policy-?[pP]ack(s)?:? policies/.test(t), `${file}: previews run the policy pack`);
    });
  }

  it("serializes ups: GitHub concurrency, GitLab resource_group, both behind an environment", () => {
    const gh = parse(text(files.github)) as { jobs: Record<string, { concurrency?: string; environment?: string }> };
    assert.ok(gh.jobs.up!.concurrency && gh.jobs.up!.environment);
    const gl = parse(text(files.gitlab)) as Record<string, { resource_group?: string; environment?: string }>;
    assert.ok(gl.up!.resource_group && gl.up!.environment);
  });
});
