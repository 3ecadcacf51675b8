// `npm run cluster -- up|down`: the real tier's control plane (test/real/control-plane.ts: etcd and kube-apiserver
// from `npm run tools`, RBAC on, the controllers' CRDs installed) for tries by hand. `up` starts it detached and
// prints its kubeconfig; `down` stops it and removes its folder. Its state (certificates, etcd's data, logs, the
// kubeconfig, the pids) lives in .tools/cluster/, or in SECRETS_PLATFORM_CLUSTER_DIR.
import { resolve } from "node:path";
import { controlPlaneSkipReason, detachedState, startControlPlane, stopDetached } from "../test/real/control-plane.js";

export const CLUSTER_DIR_ENV = "SECRETS_PLATFORM_CLUSTER_DIR";

const USAGE = "usage: npm run cluster -- up|down";

/** The folder of the by-hand control plane. */
export function clusterDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env[CLUSTER_DIR_ENV] || resolve(".tools", "cluster"));
}

export async function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): Promise<number> {
  const [command, ...rest] = argv;
  if ((command !== "up" && command !== "down") || rest.length > 0) {
    io.err(`cluster: ${command === undefined ? "no command" : `unknown arguments: ${argv.join(" ")}`}; ${USAGE}`);
    return 2;
  }
  const dir = clusterDir();
  if (command === "down") {
    io.out((await stopDetached(dir)) ? `cluster: stopped; ${dir} removed` : "cluster: not up");
    return 0;
  }
  const running = detachedState(dir);
  if (running) {
    io.out(`cluster: already up at ${running.server}; kubeconfig ${running.kubeconfigPath}`);
    io.out(`export KUBECONFIG=${running.kubeconfigPath}`);
    return 0;
  }
  const missing = controlPlaneSkipReason({});
  if (missing) {
    io.err(`cluster: ${missing}`);
    return 1;
  }
  const started = Date.now();
  try {
    const plane = await startControlPlane({ dir, detached: true });
    io.out(
      `cluster: up at ${plane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${plane.crds.length} CRDs; kubeconfig ${plane.kubeconfigPath}`,
    );
    io.out(`export KUBECONFIG=${plane.kubeconfigPath}`);
    io.out("cluster: stop it with `npm run cluster -- down`");
    return 0;
  } catch (e) {
    io.err(`cluster: could not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

// Exits when done: the detached servers run on, and nothing of this process (an idle HTTPS socket) must wait.
if (import.meta.url === `file://${process.argv[1]}`)
  void main(process.argv.slice(2)).then((code) => process.exit(code));
