import { KubeConfig } from "@kubernetes/client-node";
import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { get as httpGet } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { toolsBin, toolsCrds } from "../../tools/paths.js";
import { scratchDir } from "../support/scratch.js";
import { createControlPlaneCa, serviceAccountKeys, type KeyPairPem } from "./control-plane-pki.js";
import { freePort, INSTALL_TOOLS } from "./openbao.js";

/**
 * A real Kubernetes control plane for the real tier, started the way controller-runtime's envtest starts one: etcd
 * and kube-apiserver (built by `npm run tools`) on 127.0.0.1, on free ports, with a CA, serving certificate,
 * service-account signing key and admin client certificate made for this run, RBAC authorization, and the pinned
 * controllers' CRDs installed and established. No kubelet, scheduler or controller manager runs: objects are admitted
 * and stored, pods never start, and a namespace being deleted stays Terminating. `stop()` is idempotent; a control
 * plane still running when the test process exits is killed then, so none outlives a failed run.
 */

/** The pinned binaries and CRDs, as `npm run tools` links them. */
export const ETCD = resolve(toolsBin(), "etcd");
export const KUBE_APISERVER = resolve(toolsBin(), "kube-apiserver");
export const CRDS = toolsCrds();

/** The user of the admin client certificate; its group system:masters passes every RBAC check. */
export const ADMIN_USER = "secrets-platform-admin";
/** The field manager the harness installs CRDs with. */
const CRD_MANAGER = "secrets-platform-test-control-plane";

/**
 * Why the control-plane tests cannot run here, or false when they can. CI requires them (`.ci/run` installs the
 * tools and sets REQUIRE_REAL_TOOLS=1): there a missing binary fails the tests instead of skipping them.
 */
export function controlPlaneSkipReason(env: NodeJS.ProcessEnv = process.env): string | false {
  const missing = [ETCD, KUBE_APISERVER, CRDS].filter((p) => !existsSync(p));
  if (missing.length === 0 || env.REQUIRE_REAL_TOOLS === "1") return false;
  return `${missing.join(", ")} absent; to run the control-plane tests: ${INSTALL_TOOLS}`;
}

export interface ControlPlaneOptions {
  /**
   * The folder for certificates, keys, etcd's data, logs and the kubeconfig. `stop()` removes it.
   * @default a scratch folder of the test run
   */
  dir?: string;
  /** Controllers whose CRDs (folders of `.tools/crds`) to install. @default every one */
  crds?: readonly string[];
  /**
   * Leave both servers running when this process exits, logging to files in `dir` (`npm run cluster -- up`); they
   * are stopped by pid (`stopDetached`).
   * @default false
   */
  detached?: boolean;
}

/** An answer of the API server: status, JSON body, and the `Warning` headers (field validation, deprecations). */
export interface KubeResponse<T = any> {
  status: number;
  body: T;
  warnings: string[];
}

export interface KubeRequest {
  body?: unknown;
  /** @default application/json (application/apply-patch+yaml for server-side apply) */
  contentType?: string;
  query?: Record<string, string>;
  /** The credentials to send. @default the admin's */
  as?: KubeConfig;
}

/** A Kubernetes object as a manifest has it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** Where the API serves a kind, from discovery. */
export interface KindInfo {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  base: string;
  plural: string;
  namespaced: boolean;
}

export interface ApplyOptions {
  /** The field manager: it owns every field it sends (`metadata.managedFields`). */
  fieldManager: string;
  /** Validate and admit without storing (`dryRun=All`). @default false */
  dryRun?: boolean;
  /** Take over fields another manager owns instead of failing with a conflict. @default false */
  force?: boolean;
}

/** A running control plane. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** A kubeconfig for the admin (certificate data embedded): kubectl, client-node and the Pulumi provider read it. */
  readonly kubeconfigPath: string;
  readonly dir: string;
  /** The cluster CA: it signs the serving certificate and every client certificate. */
  readonly caCertificatePem: string;
  /** The service-account token issuer (`--service-account-issuer`), the server's own address. */
  readonly serviceAccountIssuer: string;
  readonly pids: { etcd: number; kubeApiserver: number };
  /** The names of the CRDs installed (plural.group), every one established. */
  readonly crds: readonly string[];
  /** A client-node configuration for the admin. */
  kubeConfig(): KubeConfig;
  /** A client-node configuration for a user of a client certificate this CA signs: RBAC decides what it may do. */
  kubeConfigFor(user: string, groups?: readonly string[]): Promise<KubeConfig>;
  /** A request to the API server, as `kubectl --raw` makes it: JSON in and out, the Warning headers kept. */
  request<T = any>(method: string, path: string, options?: KubeRequest): Promise<KubeResponse<T>>;
  /** Where the API serves `kind` of `apiVersion`, or undefined when it serves no such kind. */
  kind(apiVersion: string, kind: string): Promise<KindInfo | undefined>;
  /** The object's own URL path (a namespaced kind without a namespace is in `default`, as kubectl has it). */
  pathOf(object: KubeObject): Promise<string>;
  /**
   * Server-side apply of the object with strict field validation: an unknown or duplicate field is refused with
   * its name, never dropped.
   */
  apply<T = any>(object: KubeObject, options: ApplyOptions): Promise<KubeResponse<T>>;
  /** What the servers printed so far (for a failure message). */
  log(): string;
  running(): boolean;
  stop(): Promise<void>;
}

/** Where a detached control plane keeps what `stopDetached` needs. */
export interface DetachedState {
  server: string;
  kubeconfigPath: string;
  dir: string;
  pids: { etcd: number; kubeApiserver: number };
}

const attached = new Set<ChildProcess>();
// A failed or interrupted run still leaves no server behind.
process.on("exit", () => {
  for (const child of attached) child.kill("SIGKILL");
});

/** Starts etcd, then kube-apiserver, installs the CRDs and waits until every one is established. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (const binary of [ETCD, KUBE_APISERVER])
    if (!existsSync(binary)) throw new Error(`${binary} not found: build the real tools with \`${INSTALL_TOOLS}\``);
  let lastError: unknown;
  // A port taken between choosing and binding it is retried with others.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = options.dir ? resolve(options.dir) : scratchDir("control-plane-");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      return await launch(dir, options);
    } catch (e) {
      lastError = e;
      rmSync(dir, { recursive: true, force: true });
      if (!/address already in use/i.test(String(e))) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** A server process and what it printed (kept in memory, or in a log file when detached). */
interface Server {
  name: string;
  child: ChildProcess;
  log(): string;
  exited(): boolean;
}

function startServer(name: string, binary: string, args: string[], dir: string, detached: boolean): Server {
  const env = { PATH: process.env.PATH ?? "", HOME: dir };
  if (detached) {
    const logFile = join(dir, `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(binary, args, { env, cwd: dir, detached: true, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child.unref();
    let exited = false;
    child.on("exit", () => (exited = true));
    return { name, child, exited: () => exited, log: () => readTail(logFile) };
  }
  const child = spawn(binary, args, { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  attached.add(child);
  let output = "";
  let exited = false;
  const keep = (d: Buffer) => {
    // The last 200 kB: enough to show why a server failed, bounded for a long run.
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.on("exit", () => {
    exited = true;
    attached.delete(child);
  });
  return { name, child, exited: () => exited, log: () => output };
}

function readTail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-200_000);
  } catch {
    return "";
  }
}

async function launch(dir: string, options: ControlPlaneOptions): Promise<ControlPlane> {
  const detached = options.detached ?? false;
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${securePort}`;
  const ca = await createControlPlaneCa();
  const serving = await ca.servingCertificate(["localhost"], ["127.0.0.1"]);
  const sa = await serviceAccountKeys();
  const admin = await ca.clientCertificate(ADMIN_USER, ["system:masters"]);
  const files = {
    ca: write(dir, "ca.crt", ca.certificatePem),
    servingCert: write(dir, "apiserver.crt", serving.certificatePem),
    servingKey: write(dir, "apiserver.key", serving.keyPem),
    saKey: write(dir, "service-account.key", sa.privateKeyPem),
    saPub: write(dir, "service-account.pub", sa.publicKeyPem),
  };
  const kubeconfigPath = write(dir, "kubeconfig", kubeconfigYaml(server, ca.certificatePem, "admin", admin));

  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  const etcd = startServer(
    "etcd",
    ETCD,
    [
      "--name=control-plane",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=control-plane=${peerUrl}`,
      // A test's data is thrown away: no fsync, as envtest users run it for speed.
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ],
    dir,
    detached,
  );
  const servers: Server[] = [etcd];
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopServers(servers, dir));
  try {
    await waitFor("etcd", etcd, 60_000, async () => (await plainGet(`${etcdUrl}/health`)) === 200);
    const apiserver = startServer(
      "kube-apiserver",
      KUBE_APISERVER,
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${join(dir, "apiserver")}`,
        `--secure-port=${securePort}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--tls-cert-file=${files.servingCert}`,
        `--tls-private-key-file=${files.servingKey}`,
        `--client-ca-file=${files.ca}`,
        // An allocation range for Services' cluster IPs only: nothing routes them.
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        // No controller manager mints service-account tokens into Secrets, so the ServiceAccount admission plugin
        // would refuse every pod; envtest disables it too.
        "--disable-admission-plugins=ServiceAccount",
        "--authorization-mode=RBAC",
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        "--profiling=false",
      ],
      dir,
      detached,
    );
    servers.unshift(apiserver);
    const adminConfig = loadKubeConfig(readFileSync(kubeconfigPath, "utf8"));
    const discovery = new Discovery((path) => kubeRequest(adminConfig, "GET", path, {}));
    const handle: ControlPlane = {
      server,
      kubeconfigPath,
      dir,
      caCertificatePem: ca.certificatePem,
      serviceAccountIssuer: server,
      pids: { etcd: etcd.child.pid!, kubeApiserver: apiserver.child.pid! },
      crds: [],
      kubeConfig: () => loadKubeConfig(readFileSync(kubeconfigPath, "utf8")),
      async kubeConfigFor(user, groups = []) {
        return loadKubeConfig(
          kubeconfigYaml(server, ca.certificatePem, user, await ca.clientCertificate(user, groups)),
        );
      },
      request: (method, path, request = {}) => kubeRequest(request.as ?? adminConfig, method, path, request),
      kind: (apiVersion, kind) => discovery.kind(apiVersion, kind),
      pathOf: (object) => discovery.pathOf(object),
      async apply(object, { fieldManager, dryRun = false, force = false }) {
        return handle.request("PATCH", await discovery.pathOf(object), {
          body: object,
          contentType: "application/apply-patch+yaml",
          query: {
            fieldManager,
            fieldValidation: "Strict",
            ...(dryRun ? { dryRun: "All" } : {}),
            ...(force ? { force: "true" } : {}),
          },
        });
      },
      log: () => servers.map((s) => `--- ${s.name}\n${s.log()}`).join("\n"),
      running: () => servers.every((s) => !s.exited()),
      stop,
    };
    await waitFor("kube-apiserver", apiserver, 180_000, async () => {
      const ready = await handle.request("GET", "/readyz").catch(() => undefined);
      return ready?.status === 200;
    });
    const installed = await installCrds(handle, options.crds);
    if (detached) writeDetachedState(handle);
    return { ...handle, crds: installed };
  } catch (e) {
    const log = servers.map((s) => `--- ${s.name}\n${s.log().slice(-4000)}`).join("\n");
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${log}`, { cause: e });
  }
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** A kubeconfig with everything embedded, so it stays valid wherever it is copied while the cluster runs. */
function kubeconfigYaml(server: string, caPem: string, user: string, client: KeyPairPem): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "secrets-platform-test", cluster: { server, "certificate-authority-data": b64(caPem) } }],
    users: [
      {
        name: user,
        user: { "client-certificate-data": b64(client.certificatePem), "client-key-data": b64(client.keyPem) },
      },
    ],
    contexts: [{ name: user, context: { cluster: "secrets-platform-test", user } }],
    "current-context": user,
  });
}

function loadKubeConfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

async function kubeRequest<T>(kc: KubeConfig, method: string, path: string, r: KubeRequest): Promise<KubeResponse<T>> {
  const url = new URL(path, kc.getCurrentCluster()!.server);
  for (const [k, v] of Object.entries(r.query ?? {})) url.searchParams.set(k, v);
  const options: RequestOptions = { method, headers: { Accept: "application/json" } };
  await kc.applyToHTTPSOptions(options);
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  if (payload !== undefined)
    options.headers = {
      ...options.headers,
      "Content-Type": r.contentType ?? "application/json",
      "Content-Length": Buffer.byteLength(payload),
    };
  return new Promise((done, fail) => {
    const req = httpsRequest(url, options, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        const warning = res.headers.warning;
        const warnings = (Array.isArray(warning) ? warning : warning ? [warning] : []).flatMap(splitWarnings);
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // /readyz and friends answer text.
        }
        done({ status: res.statusCode ?? 0, body: body as T, warnings });
      });
    });
    req.on("error", fail);
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.end(payload);
  });
}

/** `299 - "unknown field \"spec.x\"", 299 - "..."`: one message per warning (RFC 7234 warn-text, quoted). */
function splitWarnings(header: string): string[] {
  return [...header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
}

function plainGet(url: string): Promise<number> {
  return new Promise((done) => {
    const req = httpGet(url, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("error", () => done(0));
    req.setTimeout(5_000, () => req.destroy());
  });
}

async function waitFor(name: string, server: Server, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error(`${name} exited while starting`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s`);
}

/** The kinds each group version serves, asked once per group version (after the CRDs are established). */
class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, KindInfo>>>();
  constructor(private readonly get: (path: string) => Promise<KubeResponse>) {}

  kind(apiVersion: string, kind: string): Promise<KindInfo | undefined> {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let kinds = this.cache.get(base);
    if (!kinds) {
      kinds = this.get(base).then((answer) => {
        const found = new Map<string, KindInfo>();
        if (answer.status !== 200) return found;
        for (const r of (answer.body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources)
          if (!r.name.includes("/")) found.set(r.kind, { base, plural: r.name, namespaced: r.namespaced });
        return found;
      });
      this.cache.set(base, kinds);
    }
    return kinds.then((k) => k.get(kind));
  }

  async pathOf(object: KubeObject): Promise<string> {
    const info = await this.kind(object.apiVersion, object.kind);
    if (!info) throw new Error(`the API server serves no ${object.kind} of ${object.apiVersion}`);
    const ns = info.namespaced ? `/namespaces/${object.metadata.namespace ?? "default"}` : "";
    return `${info.base}${ns}/${info.plural}/${object.metadata.name}`;
  }
}

interface Crd {
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
}

/** Every CRD of the chosen controllers, server-side applied, then waited for until established and served. */
async function installCrds(plane: ControlPlane, only: readonly string[] | undefined): Promise<string[]> {
  const controllers = existsSync(CRDS) ? readdirSync(CRDS).filter((c) => statSync(join(CRDS, c)).isDirectory()) : [];
  const wanted = only ?? controllers;
  const unknown = wanted.filter((c) => !controllers.includes(c));
  if (unknown.length > 0) throw new Error(`no CRDs of ${unknown.join(", ")} in ${CRDS}: ${INSTALL_TOOLS}`);
  const crds: Crd[] = wanted.flatMap((c) =>
    readdirSync(join(CRDS, c))
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .flatMap((f) => parseAllDocuments(readFileSync(join(CRDS, c, f), "utf8")).map((d) => d.toJS() as Crd | null))
      .filter((d): d is Crd => d !== null),
  );
  for (const crd of crds) {
    const answer = await plane.request(
      "PATCH",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      {
        body: crd,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: CRD_MANAGER, force: "true", fieldValidation: "Strict" },
      },
    );
    if (answer.status >= 300)
      throw new Error(`CRD ${crd.metadata.name}: HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    const served = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
    while (!(await established(plane, crd, served))) {
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} was not established within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return crds.map((c) => c.metadata.name);
}

/** Established, and every served version answers a list: only then does an apply of the kind find its endpoint. */
async function established(plane: ControlPlane, crd: Crd, served: string[]): Promise<boolean> {
  const read = await plane.request<{ status?: { conditions?: { type: string; status: string }[] } }>(
    "GET",
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
  );
  if (!read.body.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return false;
  for (const version of served) {
    const list = await plane.request("GET", `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`, {
      query: { limit: "1" },
    });
    if (list.status !== 200) return false;
  }
  return true;
}

/** The API server first (it needs etcd to shut down cleanly), then etcd; the folder last. */
async function stopServers(servers: Server[], dir: string): Promise<void> {
  for (const s of servers) await stopProcess(s);
  rmSync(dir, { recursive: true, force: true });
}

async function stopProcess(server: Server): Promise<void> {
  if (server.exited() || server.child.exitCode !== null) return;
  const gone = new Promise<void>((r) => server.child.once("exit", () => r()));
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Whether something accepts connections on 127.0.0.1:port (a stopped server must leave nothing listening). */
export function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/** The state file of a detached control plane, in its folder. */
export const DETACHED_STATE = "state.json";

function writeDetachedState(plane: ControlPlane): void {
  const state: DetachedState = {
    server: plane.server,
    kubeconfigPath: plane.kubeconfigPath,
    dir: plane.dir,
    pids: plane.pids,
  };
  writeFileSync(join(plane.dir, DETACHED_STATE), `${JSON.stringify(state, null, 2)}\n`);
}

/** The detached control plane whose state is in `dir`, when its servers still run. */
export function detachedState(dir: string): DetachedState | undefined {
  try {
    const state = JSON.parse(readFileSync(join(dir, DETACHED_STATE), "utf8")) as DetachedState;
    return Object.values(state.pids).some((pid) => isServer(pid)) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still one of our servers (not a recycled pid of another program). */
function isServer(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return cmdline === ETCD || cmdline === KUBE_APISERVER;
  } catch {
    return false;
  }
}

/** Stops a detached control plane by its pids (API server first) and removes its folder. */
export async function stopDetached(dir: string): Promise<boolean> {
  const state = detachedState(dir);
  if (state) {
    for (const pid of [state.pids.kubeApiserver, state.pids.etcd]) {
      if (!isServer(pid)) continue;
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 10_000;
      while (isServer(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isServer(pid)) process.kill(pid, "SIGKILL");
      while (isServer(pid)) await new Promise((r) => setTimeout(r, 50));
    }
  }
  const existed = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  return state !== undefined || existed;
}
