import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { renderAclPolicy } from "../../vault/acl.js";
import { MOVE_SCRIPT } from "../../vault/move-script.js";
import { kvMoves, type KvMoveLayout } from "../../vault/moves.js";
import { MOUNTS } from "../../vault/paths.js";
import { checkedRegistry } from "../support/checked-purpose.js";
import { runProcess } from "../support/run-process.js";
import { BAO, openBaoSkipReason, startDevServer, type OpenBao } from "./openbao.js";
import { canary, leaked, tokenWith } from "./support/platform.js";

const skip = openBaoSkipReason();
if (skip) console.info(`KV moves: skipped: ${skip}`);

/**
 * The move Job's script with the real CLI against a real OpenBao: a finance purpose that billing owned before
 * (`movedFrom: { owner: billing }`), its value at kv/billing/<id> in three versions, moved with a token of exactly
 * the move's policy (as the Job's Kubernetes login would give it). Values are canaries: none may show in any output.
 */
describe.skipIf(skip !== false)("moving a KV value on a real OpenBao, with the real CLI", () => {
  let server: OpenBao;
  let dir: string;
  const values: string[] = [];

  const registry = (id: string) =>
    checkedRegistry({
      finance: [
        {
          id,
          description: "A moved value",
          owner: "finance",
          kind: "secret",
          tier: "vault_kv",
          delivery: "external-secret",
          consumers: [{ namespace: "finance", serviceAccount: "finance-api" }],
          rotation: { period: "30d", grace: "7d", method: "external" },
          evidence: "finance-evidence",
          movedFrom: { owner: "billing" },
        },
      ],
    });
  const moveOf = (id: string): KvMoveLayout => kvMoves(registry(id), "vault")[0]!;

  beforeAll(async () => {
    server = await startDevServer();
    dir = mkdtempSync(join(tmpdir(), "kv-move-"));
    const enable = await server.api("POST", `/v1/sys/mounts/${MOUNTS.kv}`, { type: "kv", options: { version: "2" } });
    assert.equal(enable.status, 204, JSON.stringify(enable.body));
    await server.api("POST", `/v1/${MOUNTS.kv}/config`, { cas_required: true, max_versions: 5 });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const root = (method: string, path: string, body?: unknown) => server.api<any>(method, `/v1/${path}`, body);
  async function writeVersions(path: string, count: number): Promise<Record<string, string>[]> {
    const written: Record<string, string>[] = [];
    for (let v = 0; v < count; v++) {
      const data = { password: canary(`v${v + 1}`), ...(v === 1 ? { username: canary("user") } : {}) };
      values.push(...Object.values(data));
      const r = await root("POST", `${MOUNTS.kv}/data/${path}`, { options: { cas: v }, data });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      written.push(data);
    }
    return written;
  }
  async function versionsAt(path: string): Promise<{ current: number; data: (Record<string, string> | null)[] }> {
    const metadata = await root("GET", `${MOUNTS.kv}/metadata/${path}`);
    if (metadata.status === 404) return { current: 0, data: [] };
    const current = Number(metadata.body.data.current_version);
    const data = [];
    for (let v = 1; v <= current; v++)
      data.push((await root("GET", `${MOUNTS.kv}/data/${path}?version=${v}`)).body.data?.data ?? null);
    return { current, data };
  }
  /** One run of the Job's script with its planned environment and a token of exactly its policy. */
  async function runMove(m: KvMoveLayout) {
    await root("PUT", `sys/policies/acl/${m.role}`, { policy: renderAclPolicy(m.policy) });
    const tokenFile = join(dir, `${m.jobName}-token`);
    writeFileSync(tokenFile, await tokenWith(server, [m.role]), { mode: 0o600 });
    const work = mkdtempSync(join(dir, "job-"));
    const run = await runProcess("sh", ["-c", MOVE_SCRIPT], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: work,
        TMPDIR: work,
        VAULT_CLI: BAO,
        VAULT_ADDR: server.address,
        KV_MOUNT: MOUNTS.kv,
        FROM_PATH: m.from.path,
        TO_PATH: m.to.path,
        MOVE_VAULT_TOKEN_FILE: tokenFile,
      },
    });
    assert.deepEqual(leaked(run.stdout + run.stderr, values), [], "no value in the Job's output");
    return run;
  }

  it("copies every version in order, and a second run copies nothing", async () => {
    const m = moveOf("finance-ledger-key");
    assert.equal(m.from.path, "billing/finance-ledger-key");
    assert.equal(m.to.path, "finance/finance-ledger-key");
    const written = await writeVersions(m.from.path, 3);

    const first = await runMove(m);
    assert.equal(first.code, 0, first.stderr);
    const moved = await versionsAt(m.to.path);
    assert.deepEqual(moved, { current: 3, data: written }, "the new path has the same three versions, in order");
    const afterFirst = (await root("GET", `${MOUNTS.kv}/metadata/${m.to.path}`)).body.data.updated_time;

    const second = await runMove(m);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already moved; nothing written/);
    assert.deepEqual(await versionsAt(m.to.path), moved, "the second run changed nothing");
    assert.equal((await root("GET", `${MOUNTS.kv}/metadata/${m.to.path}`)).body.data.updated_time, afterFirst);
    assert.deepEqual(await versionsAt(m.from.path), { current: 3, data: written }, "the old path is left in place");
  });

  it("skips soft-deleted versions and resumes a move that stopped half way", async () => {
    const m = moveOf("finance-report-token");
    const written = await writeVersions(m.from.path, 4);
    await root("POST", `${MOUNTS.kv}/delete/${m.from.path}`, { versions: [2] });
    const live = [written[0], written[2], written[3]];
    // A first run that stopped after one version: the new path holds the first live version only.
    await root("POST", `${MOUNTS.kv}/data/${m.to.path}`, { options: { cas: 0 }, data: written[0] });

    const run = await runMove(m);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /resuming: .* holds the first 1 of 3 live versions/);
    assert.deepEqual(await versionsAt(m.to.path), { current: 3, data: live });
  });

  it("writes nothing over versions that are not the old path's", async () => {
    const m = moveOf("finance-audit-token");
    await writeVersions(m.from.path, 2);
    const foreign = { password: canary("foreign") };
    values.push(foreign.password);
    await root("POST", `${MOUNTS.kv}/data/${m.to.path}`, { options: { cas: 0 }, data: foreign });

    const run = await runMove(m);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /holds 1 versions that are not .*'s; nothing written/);
    assert.deepEqual(await versionsAt(m.to.path), { current: 1, data: [foreign] });
  });

  it("holds a token that can do nothing but this copy", async () => {
    const m = moveOf("finance-ledger-key");
    await root("PUT", `sys/policies/acl/${m.role}`, { policy: renderAclPolicy(m.policy) });
    const token = await tokenWith(server, [m.role]);
    const as = (method: string, path: string, body?: unknown) => server.api<any>(method, `/v1/${path}`, body, token);
    assert.equal((await as("POST", `${MOUNTS.kv}/data/${m.from.path}`, { options: { cas: 3 }, data: {} })).status, 403);
    assert.equal((await as("DELETE", `${MOUNTS.kv}/metadata/${m.from.path}`)).status, 403);
    assert.equal((await as("DELETE", `${MOUNTS.kv}/metadata/${m.to.path}`)).status, 403);
    assert.equal((await as("GET", `${MOUNTS.kv}/data/billing/other`)).status, 403);
  });
});
