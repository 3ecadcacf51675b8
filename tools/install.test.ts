import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { TOOLS, type Tool } from "./catalog.js";
import { ensureTool } from "./install.js";
import { toolDir, toolsCache } from "./paths.js";

const scratch = mkdtempSync(join(tmpdir(), "tools-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run tools", () => {
  it("pins every tool to an exact version and to the hashes pip must find", () => {
    for (const t of TOOLS) {
      assert.match(t.version, /^\d+\.\d+\.\d+$/, t.name);
      assert.ok(t.sha256.length > 0 && t.sha256.every((h) => /^[0-9a-f]{64}$/.test(h)), t.name);
      assert.ok(t.versionCheck.expect.includes(t.version), `${t.name}: its version check names the pinned version`);
    }
  });

  it("caches each pinned version once per user, outside the work tree", () => {
    const env = { XDG_CACHE_HOME: "/cache" } as NodeJS.ProcessEnv;
    assert.equal(toolsCache(env), "/cache/secrets-platform/tools");
    assert.equal(toolDir(TOOLS[0]!, env), `/cache/secrets-platform/tools/${TOOLS[0]!.name}-${TOOLS[0]!.version}`);
    assert.equal(toolsCache({ SECRETS_PLATFORM_TOOLS_CACHE: "/elsewhere", XDG_CACHE_HOME: "/cache" }), "/elsewhere");
  });

  it("names what is missing when python cannot be found, and links nothing", () => {
    const tool: Tool = { ...TOOLS[0]!, version: "0.0.0-test" };
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
