import { X509Certificate } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StackRun } from "../../plan/run.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { DISTRIBUTION } from "../../vault/distribution.js";
import { serverConfigurationOfValues } from "../../vault/server.js";
import { inputs, outputsOf, runOf } from "../support/demo-plan.js";
import { createOperators, type Operator } from "./gnupg.js";
import { freePort, startOpenBao, type CliResult, type OpenBao } from "./openbao.js";

/**
 * A real OpenBao in the production configuration of phase 3, on this machine: the server configuration the program
 * rendered into the demo plan's Helm release (not a copy of it), its TLS listener serving the plan's own listener
 * certificate (leaf → TLS intermediate → root, made by the plan's tls model), Raft storage, the two audit devices
 * declared in the configuration, initialized by the command the stack's `initCeremony` output prints, with the
 * shares encrypted to operators' PGP keys (GnuPG), unsealed with the threshold of decrypted shares, and the root
 * token decrypted by the first operator. Only what must differ off Kubernetes is rewritten: {@link LAPTOP_REWRITES}.
 */

/** What the harness changes in the program's server configuration, and why; nothing else is touched. */
export const LAPTOP_REWRITES = [
  "every path under /openbao/ (the chart's mounts: userconfig/vault-tls for the listener's files, data, audit) is the same path under the temp folder, with the plan's vault-tls Secret written there",
  "listener address [::]:8200 and cluster_address [::]:8201 become 127.0.0.1 and two free ports: loopback only, and nothing else may hold the ports",
  "storage.raft.retry_join lists this one node (https://127.0.0.1:<port>) instead of the three pods vault-0..2.vault-internal, which do not exist here",
  "service_registration kubernetes is removed: it needs the pod's namespace and the Kubernetes API (the server refuses to start without BAO_K8S_NAMESPACE)",
  "api_addr, cluster_addr and storage.raft.node_id are added: the chart sets them per pod through BAO_API_ADDR, BAO_CLUSTER_ADDR and BAO_RAFT_NODE_ID, which this harness does not pass, and Raft refuses to start without a cluster address",
] as const;

/** What the harness reads from the demo plan's runtime-authority stack. */
export interface ProductionPlan {
  /** The server configuration as the program rendered it into the Helm release's values (parsed JSON). */
  config: Record<string, unknown>;
  /** The listener's files, as the plan's `vault-tls` Secret holds them. */
  tls: { "tls.crt": string; "tls.key": string; "ca.crt": string };
  /** The stack's `initCeremony` output. */
  ceremony: { command: string; steps: string[] };
  /** The stack config's operators' PGP key files (relative paths, as the command names them), shares, threshold. */
  operatorPgpKeys: string[];
  keyShares: number;
  keyThreshold: number;
}

/** Reads the production inputs from the plan: the release's rendered configuration, the listener Secret, the ceremony. */
export function productionPlan(run: StackRun = runOf("runtime-authority")): ProductionPlan {
  const ra = run.config.runtimeAuthority;
  if (ra.distribution !== "openbao") throw new Error(`the demo runs ${ra.distribution}; this harness runs OpenBao`);
  const live = run.resources.filter((r) => !r.read);
  const release = live.find((r) => r.type === RESOURCE_TYPES.helmRelease);
  if (!release) throw new Error("the runtime-authority stack registers no Helm release");
  const config = serverConfigurationOfValues(inputs(release).values);
  if (typeof config !== "string") throw new Error("the OpenBao release carries no server configuration");
  const secret = live.find((r) => r.type === "kubernetes:core/v1:Secret" && inputs(r).metadata?.name === "vault-tls");
  if (!secret) throw new Error("the runtime-authority stack registers no vault-tls Secret");
  const outputs = outputsOf(run) as { initCeremony?: { command: string; steps: string[] } };
  if (!outputs.initCeremony) throw new Error("the runtime-authority stack publishes no initCeremony");
  return {
    config: JSON.parse(config) as Record<string, unknown>,
    tls: inputs(secret).stringData as ProductionPlan["tls"],
    ceremony: outputs.initCeremony,
    operatorPgpKeys: ra.operatorPgpKeys,
    keyShares: ra.keyShares,
    keyThreshold: ra.keyThreshold,
  };
}

/** The program's configuration with exactly the {@link LAPTOP_REWRITES} applied. */
export function laptopConfiguration(
  config: Record<string, unknown>,
  at: { dir: string; port: number; clusterPort: number },
): Record<string, unknown> {
  const home = DISTRIBUTION.openbao.home;
  const paths = (v: unknown): unknown =>
    typeof v === "string"
      ? v.startsWith(`${home}/`)
        ? `${at.dir}/${v.slice(home.length + 1)}`
        : v
      : Array.isArray(v)
        ? v.map(paths)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, paths(x)]))
          : v;
  const out = paths(structuredClone(config)) as Record<string, any>;
  if (out.seal !== undefined)
    throw new Error(
      `the plan's server configuration has a ${Object.keys(out.seal).join()} seal; this harness runs shamir`,
    );
  const api = `https://127.0.0.1:${at.port}`;
  const [listener] = out.listener as { tcp: Record<string, unknown> }[];
  if (!listener || (out.listener as unknown[]).length !== 1) throw new Error("expected one tcp listener");
  listener.tcp.address = `127.0.0.1:${at.port}`;
  listener.tcp.cluster_address = `127.0.0.1:${at.clusterPort}`;
  const raft = out.storage.raft as Record<string, any>;
  raft.retry_join = [{ ...raft.retry_join[0], leader_api_addr: api }];
  raft.node_id = "vault-0";
  delete out.service_registration;
  out.api_addr = api;
  out.cluster_addr = `https://127.0.0.1:${at.clusterPort}`;
  return out;
}

/**
 * The files a server of this configuration reads, by name in its folder: the configuration, and the listener's
 * files where the chart mounts the `vault-tls` Secret (the chart's mount points, recreated in the temp folder).
 */
export function serverFiles(
  dir: string,
  plan: ProductionPlan,
  config: Record<string, unknown>,
): Record<string, string> {
  mkdirSync(join(dir, "userconfig", "vault-tls"), { recursive: true });
  mkdirSync(join(dir, "audit"), { recursive: true });
  return {
    "config.json": JSON.stringify(config, null, 2),
    ...Object.fromEntries(
      Object.entries(plan.tls).map(([name, text]) => [join("userconfig", "vault-tls", name), text]),
    ),
  };
}

/** The ceremony's command without `kubectl -n <ns> exec <pod> --`: what runs inside the pod, run here. */
export function ceremonyArgs(command: string): string[] {
  const inPod = /^kubectl -n \S+ exec \S+ -- (.*)$/.exec(command);
  if (!inPod) throw new Error(`not a kubectl exec command: ${command}`);
  const argv = inPod[1]!.split(" ");
  if (argv[0] !== DISTRIBUTION.openbao.cli) throw new Error(`the ceremony runs ${argv[0]}, not bao: ${command}`);
  return argv.slice(1);
}

/** What `bao operator init -format=json` prints when shares and root token are PGP-encrypted. */
export interface InitResponse {
  unseal_keys_b64: string[];
  unseal_keys_hex: string[];
  unseal_shares: number;
  unseal_threshold: number;
  root_token: string;
}

export interface ProductionOpenBao {
  /** The running server; `rootToken` is the initial root token the first operator decrypted. */
  server: OpenBao;
  plan: ProductionPlan;
  /** The configuration the server runs (the program's, with {@link LAPTOP_REWRITES}). */
  config: Record<string, unknown>;
  /** One per share, in share order, as the stack names them. */
  operators: Operator[];
  /** The ceremony's output: every share and the root token encrypted. */
  init: InitResponse;
  /** Each operator's share, decrypted by that operator. */
  shares: string[];
  /** `sealed` and `progress` after each share the harness gave to `bao operator unseal`. */
  unsealProgress: { sealed: boolean; progress: number }[];
  /** The file the `file-volume` audit device writes (the `file-stdout` device writes to the server's output). */
  auditLogFile: string;
  /** The real CLI in the server's folder (where the operators' key files are), as an operator at the pod runs it. */
  bao(args: readonly string[], options?: { token?: string; input?: string }): Promise<CliResult>;
  stop(): Promise<void>;
}

/**
 * Starts the production server and runs the init ceremony on it. The listener's certificate must carry 127.0.0.1
 * and localhost and be valid now (the plan's is issued at the demo's fixed date for 365 days).
 */
export async function startProductionOpenBao(plan: ProductionPlan = productionPlan()): Promise<ProductionOpenBao> {
  const leaf = new X509Certificate(plan.tls["tls.crt"]);
  if (!leaf.checkIP("127.0.0.1") || !leaf.checkHost("localhost"))
    throw new Error(`the plan's listener certificate does not name 127.0.0.1 and localhost: ${leaf.subjectAltName}`);
  const now = Date.now();
  if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo))
    throw new Error(`the plan's listener certificate is not valid now (${leaf.validFrom} to ${leaf.validTo})`);

  const clusterPort = await freePort();
  let config: Record<string, unknown> = {};
  const server = await startOpenBao({
    address: (port) => `https://127.0.0.1:${port}`,
    args: (dir) => [`-config=${join(dir, "config.json")}`],
    files: (dir, port) => {
      config = laptopConfiguration(plan.config, { dir, port, clusterPort });
      return serverFiles(dir, plan, config);
    },
    // Clients trust the listener through the root alone, as the chart's CA variable and the ceremony's CLI do.
    caCertFile: (dir) => join(dir, "userconfig", "vault-tls", "ca.crt"),
    // Sealed and uninitialized: 501.
    healthy: [501],
  });
  let stopOperators = async () => {};
  const stop = async () => {
    await server.stop();
    await stopOperators();
  };
  try {
    // In the server's folder: the ceremony's command names the operators' key files relative to it.
    const bao = (args: readonly string[], options: { token?: string; input?: string } = {}) =>
      server.bao(args, { ...options, cwd: server.dir });
    const { operators, stop: stopKeys } = await createOperators(server.dir, plan.operatorPgpKeys);
    stopOperators = stopKeys;

    const initRun = await bao(ceremonyArgs(plan.ceremony.command), { token: "" });
    if (initRun.code !== 0) throw new Error(`the ceremony's init command failed: ${initRun.stderr}`);
    const init = JSON.parse(initRun.stdout) as InitResponse;
    const shares = await Promise.all(init.unseal_keys_b64.map((share, i) => operators[i]!.decrypt(share)));

    const unsealProgress: { sealed: boolean; progress: number }[] = [];
    for (const share of shares.slice(0, plan.keyThreshold)) {
      // As an argument: `operator unseal` prompts on a terminal and takes no "-" for stdin (it reads "-" as the key).
      const r = await bao(["operator", "unseal", "-format=json", share], { token: "" });
      if (r.code !== 0) throw new Error(`bao operator unseal failed: ${r.stderr}`);
      const { sealed, progress } = JSON.parse(r.stdout) as { sealed: boolean; progress: number };
      unsealProgress.push({ sealed, progress });
    }
    server.rootToken = await operators[0]!.decrypt(init.root_token);
    await activeNode(server);
    return {
      server,
      plan,
      config,
      operators,
      init,
      shares,
      unsealProgress,
      auditLogFile: join(server.dir, "audit", "openbao-audit.log"),
      bao,
      stop,
    };
  } catch (e) {
    const log = server.log().slice(-3000);
    await stop();
    throw new Error(`${(e as Error).message}\n--- server output:\n${log}`, { cause: e });
  }
}

/** Unsealed is not yet serving: Raft elects this node leader first (health 200 on the active node). */
async function activeNode(server: OpenBao): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await server.api("GET", "/v1/sys/health", undefined, "")).status === 200) return;
    if (Date.now() > deadline) throw new Error("the unsealed server did not become the active node within 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}
