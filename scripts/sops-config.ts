// `npm run sops-config -- [--cluster NAME] [--out FILE]`: writes .sops.yaml from the purpose registry and the
// root-trust stack's sopsAgeRecipients. `npm test` checks that the demo's checked-in file is current.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { refusedPaths, writableFile } from "../cli/files.js";
import { renderSopsConfig, sopsCreationRules } from "../gitops/sops-rules.js";
import { platformNamespacesOf } from "../config/platform-namespaces.js";
import { parsePlatformConfig } from "../config/platform.js";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { loadRegistry } from "../registry/load.js";
import { platformReservation } from "../registry/tenancy.js";
import { formatProblem, type Problem } from "../registry/problems.js";

/** The .sops.yaml text for a cluster, or the problems that prevent it. */
export function sopsConfigFor(cluster: string): { text: string } | { problems: Problem[] } {
  const project = readProjectFile();
  const stack = loadStackConfig(project, `${cluster}-root-trust`, () => undefined);
  if (!stack.ok) return { problems: stack.problems };
  const config = parsePlatformConfig({
    project: project.name,
    stack: stack.config.stack,
    file: stack.config.file,
    values: stack.config.values,
    secretKeys: stack.config.secretKeys,
    declared: Object.keys(project.config),
  });
  if (!config.ok) return { problems: config.problems };
  const registry = loadRegistry(config.config.registryDir, platformReservation([platformNamespacesOf(config.config)]));
  if (!registry.ok) return { problems: registry.problems };
  return {
    text: renderSopsConfig(sopsCreationRules(registry.registry, config.config.rootTrust.sopsAgeRecipients), cluster),
  };
}

const USAGE = "usage: npm run sops-config -- [--cluster NAME] [--out FILE]";

/** Returns the exit code: 0 written, 2 bad flags, an unwritable `--out`, or a registry or stack config problem. */
export function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): number {
  let values: { cluster: string; out: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { cluster: { type: "string", default: "demo" }, out: { type: "string", default: ".sops.yaml" } },
      strict: true,
    }));
  } catch (e) {
    io.err(`sops-config: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (refusedPaths("sops-config", [writableFile(values.out)], io.err)) return 2;
  const result = sopsConfigFor(values.cluster);
  if ("problems" in result) {
    for (const p of result.problems) io.err(`  ${formatProblem(p)}`);
    return 2;
  }
  writeFileSync(values.out, result.text);
  io.out(`wrote ${values.out}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
