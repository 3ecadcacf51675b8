import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { parse } from "yaml";
import { PHASE_IDS } from "../phases/catalog.js";
import { main as plan } from "../plan/cli.js";

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

  describe("the review of a change, posted on the pull or merge request", () => {
    type GitHub = {
      jobs: Record<string, { if?: string; permissions?: Record<string, string>; steps: { run?: string }[] }>;
    };
    type GitLab = Record<string, { rules?: { if: string }[]; script?: string[] }>;
    const gh = (parse(text(files.github)) as GitHub).jobs.review;
    const gl = (parse(text(files.gitlab)) as GitLab).review;
    const jobs = {
      github: { commands: (gh?.steps ?? []).flatMap((s) => (s.run ? [s.run] : [])), on: gh?.if ?? "" },
      gitlab: { commands: gl?.script ?? [], on: (gl?.rules ?? []).map((r) => r.if).join(" ") },
    };

    for (const [name, job] of Object.entries(jobs)) {
      it(`${name}: plans the base into a folder, then the head with --base that folder's plan.json and the base's registry`, () => {
        const plans = job.commands.filter((c) => c.includes("npm run plan"));
        const base = plans.map((c) => /--out "?([^"\s)]+)"?/.exec(c)?.[1]).find(Boolean);
        assert.ok(base, `${name}: a plan of the base with --out`);
        const head = plans.find((c) => c.includes("--base "));
        assert.ok(head, `${name}: a plan of the head with --base`);
        assert.ok(head.includes(`--base ${base}/plan.json`) || head.includes(`--base "${base}/plan.json"`), head);
        assert.match(head, /--base-registry \S+\/purposes/);
        assert.match(job.on, /pull_request|merge_request_event/, `${name}: runs for a pull or merge request only`);
      });
    }

    it("every flag the examples pass to npm run plan is one the plan accepts", async () => {
      const help: string[] = [];
      assert.equal(await plan(["--help"], { out: (l) => help.push(l), err: () => {} }), 0);
      for (const command of [...jobs.github.commands, ...jobs.gitlab.commands].filter((c) =>
        c.includes("npm run plan"),
      ))
        for (const [flag] of command.matchAll(/--[a-z][a-z-]*/g)) assert.ok(help.join("\n").includes(`${flag} `), flag);
    });

    it("github: comments review.md on the pull request, with a token that may write pull requests", () => {
      assert.ok(jobs.github.commands.some((c) => /gh pr comment .*--body-file plan-out\/review\.md/.test(c)));
      assert.equal(gh?.permissions?.["pull-requests"], "write");
    });

    it("gitlab: posts review.md as a merge request note through the API", () => {
      const post = jobs.gitlab.commands.find((c) => c.includes("/notes"));
      assert.ok(post, "a notes API call");
      assert.match(post, /merge_requests\/\$CI_MERGE_REQUEST_IID\/notes/);
      assert.match(post, /body@plan-out\/review\.md/);
      assert.match(post, /PRIVATE-TOKEN: \$[A-Z_]+/);
    });
  });
});
