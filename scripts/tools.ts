// `npm run tools`: installs the real tools the test tier needs (tools/catalog.ts), once per pinned version, into the
// user's cache, and links them from .tools/bin. Idempotent; prints what it did and how long it took; exits 1 naming
// what is missing when a tool cannot be installed. Nothing is downloaded at test time.
import { TOOLS } from "../tools/catalog.js";
import { ensureTool } from "../tools/install.js";
import { toolsBin, toolsCache } from "../tools/paths.js";

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
    const verb = outcome.status === "installed" ? `installed in ${outcome.seconds.toFixed(1)} s` : "present";
    io.out(`  ${tool.name} ${tool.version} ${verb}: ${Object.keys(outcome.binaries).join(", ")}, ${tool.purpose}`);
  }
  io.out(`tools: ${TOOLS.length - failed} of ${TOOLS.length} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
