import assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "vitest";
import { main as access } from "../access/cli.js";
import { main as bench } from "../bench/run.js";
import { main as evidence } from "../evidence/cli.js";
import { main as plan } from "../plan/cli.js";
import { main as policy } from "../policies/cli.js";
import { main as posture } from "../posture/cli.js";
import { main as sopsConfig } from "../scripts/sops-config.js";
import { demoPlanCommand } from "./support/demo-plan.js";
import { runProcess } from "./support/run-process.js";
import { scratchDir } from "./support/scratch.js";

/**
 * Every command's files and folders, wrong in the ways a path can be: each is refused as invalid input, exit 2, with
 * one line naming the path and what is wrong, no stack trace, and nothing written. One case of each command runs as a
 * process, as an operator runs it (an exception escaping main shows there as a stack trace and exit 1); the others
 * call the command's main in this process, which is the same code without a second of Node start-up each.
 */

const planFile = join(demoPlanCommand().dir, "plan.json");

type Io = { out: (l: string) => void; err: (l: string) => void };
/** Each command's main, by its `npm run` name (scripts/<name>.ts). */
const MAINS: Record<string, (argv: string[], io: Io) => number | Promise<number>> = {
  plan,
  posture,
  evidence: (argv, io) => evidence(argv, io, {}),
  access,
  policy,
  "sops-config": sopsConfig,
  bench,
};

/** A folder for one case: `a-file` (a file), `a-folder` (an empty folder), `not-json.json`. */
function fixture(): string {
  const dir = scratchDir("cli-files-");
  writeFileSync(join(dir, "a-file"), "keep me\n");
  mkdirSync(join(dir, "a-folder"));
  writeFileSync(join(dir, "not-json.json"), "{ this is not JSON\n");
  return dir;
}

/** Every path under `dir` with its size and modification time: equal before and after means nothing was written. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((name) => {
      const s = statSync(join(dir, name));
      return `${name} ${s.isDirectory() ? "dir" : s.size} ${s.mtimeMs}`;
    });
}

interface Case {
  /** The command as `npm run <script>` names it, and the file under scripts/. */
  script: string;
  args: (dir: string) => string[];
  /** The one line on stderr, after `<script>: <path>: `. */
  problem: RegExp;
  /** The path the line must name. */
  names: (dir: string) => string;
  /** Run as a process (one case per command), else through the command's main. */
  process?: true;
}

const CASES: Record<string, Case> = {
  "plan --out that is an existing file": {
    process: true,
    script: "plan",
    args: (d) => ["--out", join(d, "a-file")],
    names: (d) => join(d, "a-file"),
    problem: /is a file, not a folder/,
  },
  "plan --out under a file": {
    script: "plan",
    args: (d) => ["--out", join(d, "a-file", "plan-out")],
    names: (d) => join(d, "a-file", "plan-out"),
    problem: /cannot be made: .*a-file is a file, not a folder/,
  },
  "plan --out whose plan.json is a folder": {
    script: "plan",
    args: (d) => {
      mkdirSync(join(d, "out", "plan.json"), { recursive: true });
      return ["--out", join(d, "out")];
    },
    names: (d) => join(d, "out", "plan.json"),
    problem: /is a folder, not a file/,
  },
  "posture --html in a missing folder": {
    process: true,
    script: "posture",
    args: (d) => ["--plan", planFile, "--html", join(d, "missing", "posture.html")],
    names: (d) => join(d, "missing", "posture.html"),
    problem: /its folder .*missing does not exist/,
  },
  "posture --html that is a folder": {
    script: "posture",
    args: (d) => ["--plan", planFile, "--html", join(d, "a-folder")],
    names: (d) => join(d, "a-folder"),
    problem: /is a folder, not a file/,
  },
  "posture --plan that is a folder": {
    script: "posture",
    args: (d) => ["--plan", join(d, "a-folder")],
    names: (d) => join(d, "a-folder"),
    problem: /is a folder, not a file/,
  },
  "posture --plan that is not JSON": {
    script: "posture",
    args: (d) => ["--plan", join(d, "not-json.json")],
    names: (d) => join(d, "not-json.json"),
    problem: /JSON/,
  },
  "posture --previous that does not exist": {
    script: "posture",
    args: (d) => ["--plan", planFile, "--previous", join(d, "nope.json")],
    names: (d) => join(d, "nope.json"),
    problem: /does not exist/,
  },
  "evidence --out that is an existing file": {
    process: true,
    script: "evidence",
    args: (d) => ["--plan", planFile, "--out", join(d, "a-file")],
    names: (d) => join(d, "a-file"),
    problem: /is a file, not a folder/,
  },
  "evidence --sign-key that does not exist": {
    script: "evidence",
    args: (d) => ["--plan", planFile, "--out", join(d, "evidence"), "--sign-key", join(d, "no-key.pem")],
    names: (d) => join(d, "no-key.pem"),
    problem: /does not exist/,
  },
  "access --plan that does not exist": {
    process: true,
    script: "access",
    args: (d) => ["--plan", join(d, "nope.json")],
    names: (d) => join(d, "nope.json"),
    problem: /does not exist/,
  },
  "access --policy that is a folder": {
    script: "access",
    args: (d) => ["--policy", join(d, "a-folder"), "--path", "kv/data/x"],
    names: (d) => join(d, "a-folder"),
    problem: /is a folder, not a file/,
  },
  "policy --config that is not JSON": {
    process: true,
    script: "policy",
    args: (d) => ["--plan", planFile, "--config", join(d, "not-json.json")],
    names: (d) => join(d, "not-json.json"),
    problem: /JSON/,
  },
  "sops-config --out in a missing folder": {
    process: true,
    script: "sops-config",
    args: (d) => ["--out", join(d, "missing", ".sops.yaml")],
    names: (d) => join(d, "missing", ".sops.yaml"),
    problem: /its folder .*missing does not exist/,
  },
  "bench --out that is an existing file": {
    process: true,
    script: "bench",
    args: (d) => ["--sizes", "1", "--runs", "1", "--cold-start-runs", "0", "--out", join(d, "a-file")],
    names: (d) => join(d, "a-file"),
    problem: /is a file, not a folder/,
  },
};

async function inProcess(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await MAINS[script]!(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") };
}

describe.concurrent("a command given a wrong file or folder", () => {
  for (const [name, c] of Object.entries(CASES))
    it(`${name}: exit 2, one line naming it, nothing written`, async () => {
      const dir = fixture();
      const args = c.args(dir);
      const before = snapshot(dir);
      const r = c.process
        ? await runProcess(process.execPath, ["--import", "tsx", `scripts/${c.script}.ts`, ...args], {
            env: { PATH: process.env.PATH ?? "", HOME: dir },
          })
        : await inProcess(c.script, args);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(r.code, 2, `exit ${r.code}:\n${r.stderr}`);
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(!/\n\s+at /.test(r.stderr), `a stack trace:\n${r.stderr}`);
      const line = lines[0]!;
      assert.ok(line.startsWith(`${c.script}: `), line);
      // The path as given or as the working directory sees it.
      const path = c.names(dir);
      assert.ok(line.includes(path) || line.includes(relative(process.cwd(), path)), `${line} names ${path}`);
      assert.match(line, c.problem);
      assert.equal(r.stdout, "");
      assert.deepEqual(snapshot(dir), before);
    });
});
