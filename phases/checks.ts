import { bootstrapLayout } from "../gitops/bootstrap-layout.js";
import type { PlatformConfig } from "../config/platform.js";
import type { Registry } from "../registry/load.js";
import type { Problem } from "../registry/problems.js";
import { purposesSourcedFromConfig } from "../registry/rules.js";
import { stackName, type PhaseId } from "./catalog.js";

/**
 * Checks that need a phase's config and the registry together, run before anything is registered: by the program
 * under `pulumi up`, and by the offline plan for every stack before any stack runs.
 */
export const PHASE_CHECKS: Partial<
  Record<PhaseId, (config: PlatformConfig, registry: Registry, configFile: string) => Problem[]>
> = {
  gitops: (_config, registry, configFile) => {
    const sources = purposesSourcedFromConfig(registry.purposes, "gitDeployKey");
    if (sources.length === 1) return [];
    return [
      {
        file: sources[1]?.file ?? configFile,
        subject: sources[1]?.id,
        field: sources[1] ? "bootstrap.source" : undefined,
        message:
          sources.length === 0
            ? "the gitops stack materializes the Git deploy key from its config: declare one bootstrap purpose with bootstrap.source config:gitDeployKey"
            : `config:gitDeployKey is the source of ${sources[0]!.id} already: one purpose per source`,
      },
    ];
  },
  bootstrap: (config, registry, configFile) =>
    bootstrapLayout(registry, {
      fluxNamespace: config.gitops.fluxNamespace,
      allowedNamespaces: config.bootstrap.allowedNamespaces,
      gitopsStack: stackName(config.cluster, "gitops"),
      configFile,
    }).problems,
};
