import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenBao, type OpenBao } from "../openbao.js";
import { auditStanzasIn, transportOf, type PlatformServer } from "./platform.js";

/**
 * An OpenBao whose data outlives its process, for the faults a dev server (in memory) cannot show: stopped in the
 * middle of a step and started again on the same storage. Integrated Raft (the storage the platform runs; OpenBao has
 * no file storage), one node, a plain-http listener on 127.0.0.1, the plan's audit devices declared in its
 * configuration; initialized with one key share, unsealed by the test. Each start listens on a new free port.
 */
export interface PersistentServer {
  /** The running incarnation, as the applier and the tests use it. */
  platform(): PlatformServer;
  /** Stops the process; the storage stays. */
  stop(): Promise<void>;
  /** Starts a new process on the same storage and unseals it (a new port). */
  restart(): Promise<void>;
  /** Stops it and removes its storage. */
  remove(): Promise<void>;
}

export async function startPersistentServer(): Promise<PersistentServer> {
  const storage = mkdtempSync(join(tmpdir(), "openbao-raft-"));
  const auditFilePaths: Record<string, string> = {};
  let server: OpenBao;
  let unsealKey = "";
  let rootToken = "";

  const start = () =>
    startOpenBao({
      address: (port) => `http://127.0.0.1:${port}`,
      // Uninitialized (501) the first time, sealed (503) after a restart.
      healthy: [200, 429, 501, 503],
      files: (_dir, port) => ({
        "server.json": JSON.stringify({
          // A multiplier of 1: the single node elects itself within a second (the default of 5 suits real networks).
          storage: { raft: { path: storage, node_id: "node-1", performance_multiplier: 1 } },
          listener: [{ tcp: { address: `127.0.0.1:${port}`, tls_disable: true } }],
          api_addr: `http://127.0.0.1:${port}`,
          cluster_addr: `http://127.0.0.1:${port + 1}`,
          audit: auditStanzasIn(storage, auditFilePaths),
        }),
      }),
      args: (dir) => [`-config=${join(dir, "server.json")}`],
    });

  /** Unseals and waits until the single Raft node is the active node (health 200). */
  async function unseal(s: OpenBao) {
    const answer = await s.api<{ sealed: boolean }>("PUT", "/v1/sys/unseal", { key: unsealKey }, "");
    if (answer.status !== 200) throw new Error(`sys/unseal: HTTP ${answer.status}`);
    for (let waited = 0; waited < 30_000; waited += 100) {
      if ((await s.api("GET", "/v1/sys/health", undefined, "")).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the server did not become active after unsealing:\n${s.log().slice(-2000)}`);
  }

  server = await start();
  const init = await server.api<{ keys_base64: string[]; root_token: string }>(
    "PUT",
    "/v1/sys/init",
    { secret_shares: 1, secret_threshold: 1 },
    "",
  );
  if (init.status !== 200) {
    await server.stop();
    throw new Error(`sys/init: HTTP ${init.status}`);
  }
  unsealKey = init.body.keys_base64[0]!;
  rootToken = init.body.root_token;
  server.rootToken = rootToken;
  await unseal(server);

  return {
    platform: () => ({
      server,
      transport: transportOf(server),
      auditFilePaths,
      unsealKey,
      seal: async () => {
        const answer = await server.api("PUT", "/v1/sys/seal");
        if (answer.status !== 204) throw new Error(`sys/seal: HTTP ${answer.status}`);
      },
      unseal: () => unseal(server),
      stop: () => server.stop(),
    }),
    stop: () => server.stop(),
    async restart() {
      await server.stop();
      server = await start();
      server.rootToken = rootToken;
      await unseal(server);
    },
    async remove() {
      await server.stop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}
