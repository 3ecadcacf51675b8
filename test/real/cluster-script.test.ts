import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { CLUSTER_DIR_ENV } from "../../scripts/cluster.js";
import { runProcess } from "../support/run-process.js";
import { scratchDir } from "../support/scratch.js";
import { controlPlaneSkipReason, detachedState, listening, stopDetached } from "./control-plane.js";

const skip = controlPlaneSkipReason();
if (skip) console.info(`npm run cluster: skipped: ${skip}`);

const dir = join(scratchDir("cluster-script-"), "cluster");
const cluster = (...args: string[]) =>
  runProcess(process.execPath, ["--import", "tsx", "scripts/cluster.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", [CLUSTER_DIR_ENV]: dir },
  });

/** A live process has a command line; a gone one has no /proc entry, a zombie an empty one. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`).length > 0;
  } catch {
    return false;
  }
}

describe("npm run cluster", () => {
  // Whatever happens in the tests, nothing is left running.
  afterAll(() => stopDetached(dir));

  it("refuses a missing or unknown command with one line and exit 2", async () => {
    for (const args of [[], ["start"], ["up", "now"]]) {
      const run = await cluster(...args);
      assert.equal(run.code, 2, args.join(" "));
      assert.equal(run.stdout, "");
      assert.equal(run.stderr.trim().split("\n").length, 1);
      assert.match(run.stderr, /usage: npm run cluster -- up\|down/);
    }
  });

  it.skipIf(skip !== false)(
    "starts the control plane detached, serves kubectl's requests through its kubeconfig, and stops it",
    async () => {
      const up = await cluster("up");
      assert.equal(up.code, 0, up.stderr);
      const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(up.stdout)?.[1];
      assert.equal(kubeconfig, join(dir, "kubeconfig"));
      const state = detachedState(dir)!;
      assert.ok(state, "up left its state");

      // The same requests kubectl makes, from the printed kubeconfig, after the command that started it has exited.
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const names = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
      assert.ok(names.includes("default") && names.includes("kube-system"), String(names));

      const again = await cluster("up");
      assert.equal(again.code, 0);
      assert.match(again.stdout, /^cluster: already up at https:\/\/127\.0\.0\.1:\d+/);
      assert.equal(detachedState(dir)?.pids.kubeApiserver, state.pids.kubeApiserver, "the second up started nothing");

      const down = await cluster("down");
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, /^cluster: stopped/);
      assert.equal(await listening(Number(new URL(state.server).port)), false);
      for (const [name, pid] of Object.entries(state.pids)) assert.equal(alive(pid), false, `${name} (pid ${pid})`);
      assert.equal(existsSync(dir), false);
      assert.equal((await cluster("down")).stdout.trim(), "cluster: not up");
    },
    300_000,
  );
});
