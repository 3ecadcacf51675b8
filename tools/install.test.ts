import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { readProjectFile } from "../config/project.js";
import { TOOLS, type GoTool, type PipTool } from "./catalog.js";
import { ensureTool } from "./install.js";
import { toolDir, toolsCache } from "./paths.js";

const scratch = mkdtempSync(join(tmpdir(), "tools-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run tools", () => {
  const pip = TOOLS.filter((t): t is PipTool => t.kind === "pip");
  const go = TOOLS.filter((t): t is GoTool => t.kind === "go");

  it("pins every tool to an exact version and to the hashes pip must find", () => {
    for (const t of pip) {
      assert.match(t.version, /^\d+\.\d+\.\d+$/, t.name);
      assert.ok(t.sha256.length > 0 && t.sha256.every((h) => /^[0-9a-f]{64}$/.test(h)), t.name);
    }
    for (const t of [...pip, ...go])
      assert.ok(t.versionCheck.expect.includes(t.version), `${t.name}: its version check names the pinned version`);
  });

  it("builds each Go tool from a wrapper module of ours that pins the release and every dependency's hash", () => {
    assert.deepEqual(go.map((t) => t.name).sort(), ["etcd", "kube-apiserver"]);
    const escape = (s: string) => s.replace(/[./]/g, "\\$&");
    for (const t of go) {
      const mod = readFileSync(join(t.module, "go.mod"), "utf8");
      const upstream = t.package.replace(/\/cmd\/.*$/, "");
      // The tool directive keeps the requirement; tidy marks it indirect, as nothing of ours imports it.
      assert.match(mod, new RegExp(`^tool ${escape(t.package)}$`, "m"), t.name);
      assert.match(mod, new RegExp(`^\\s*${escape(upstream)} v${escape(t.version)}( // indirect)?$`, "m"), t.name);
      assert.match(
        readFileSync(join(t.module, "go.sum"), "utf8"),
        new RegExp(`^${escape(upstream)} v${escape(t.version)} h1:`, "m"),
      );
    }
  });

  it("replaces every staging module of Kubernetes with its release of the same version", () => {
    const apiserver = go.find((t) => t.name === "kube-apiserver")!;
    const mod = readFileSync(join(apiserver.module, "go.mod"), "utf8");
    const replaces = [...mod.matchAll(/^\s*(k8s\.io\/[\w-]+) => (k8s\.io\/[\w-]+) (v\S+)$/gm)];
    assert.equal(replaces.length, 31);
    for (const [, from, to, version] of replaces) {
      assert.equal(to, from);
      assert.equal(version, `v0.${apiserver.version.split(".").slice(1).join(".")}`, from);
    }
    assert.equal(apiserver.variables?.["k8s.io/component-base/version.gitVersion"], `v${apiserver.version}`);
  });

  it("takes each controller's CRDs at the release its chart, as the project pins it, deploys", () => {
    const declared = readProjectFile().config;
    const sets = TOOLS.filter((t) => t.kind === "crds");
    assert.deepEqual(sets.map((s) => s.name).sort(), [
      "approver-policy",
      "cert-manager",
      "external-secrets",
      "flux",
      "trust-manager",
    ]);
    for (const set of sets) assert.equal(declared[set.chart.key]?.default, set.chart.version, set.name);
  });

  it("caches each pinned version once per user, outside the work tree", () => {
    const env = { XDG_CACHE_HOME: "/cache" } as NodeJS.ProcessEnv;
    assert.equal(toolsCache(env), "/cache/secrets-platform/tools");
    assert.equal(toolDir(pip[0]!, env), `/cache/secrets-platform/tools/${pip[0]!.name}-${pip[0]!.version}`);
    assert.equal(toolsCache({ SECRETS_PLATFORM_TOOLS_CACHE: "/elsewhere", XDG_CACHE_HOME: "/cache" }), "/elsewhere");
  });

  it("names what is missing when python cannot be found, and links nothing", () => {
    const tool: PipTool = { ...pip[0]!, version: "0.0.0-test" };
    const root = join(scratch, "project");
    const outcome = ensureTool(tool, root, {
      PATH: join(scratch, "no-bin"),
      SECRETS_PLATFORM_TOOLS_CACHE: join(scratch, "cache"),
    });
    assert.equal(outcome.status, "failed");
    assert.match(
      outcome.status === "failed" ? outcome.problem : "",
      /python3 is not installed \(Debian: apt-get install -y python3 python3-pip\)/,
    );
    assert.ok(!existsSync(join(root, ".tools")));
  });
});
