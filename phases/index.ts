import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { platformNamespacesOf } from "../config/platform-namespaces.js";
import { parsePlatformConfig, type PlatformConfig } from "../config/platform.js";
import { readProjectFile, stackFilePath } from "../config/project.js";
import { loadRegistry, type Registry } from "../registry/load.js";
import { InvalidInputError, type Problem } from "../registry/problems.js";
import { platformReservation } from "../registry/tenancy.js";
import type { PhaseId } from "./catalog.js";
import { inputError } from "./errors.js";
import { withLeanStackTraces } from "./stack-traces.js";
import { phaseOutputsReader, type PhaseProgram } from "./context.js";
import { bootstrap } from "./bootstrap.js";
import { PHASE_CHECKS } from "./checks.js";
import { gitops } from "./gitops.js";
import { rootTrust } from "./root-trust.js";
import { runtimeAuthority } from "./runtime-authority.js";
import { steadyState } from "./steady-state.js";

/** One program per phase. */
export const PROGRAMS: { readonly [P in PhaseId]: PhaseProgram<P> } = {
  "root-trust": rootTrust,
  gitops,
  bootstrap,
  "runtime-authority": runtimeAuthority,
  "steady-state": steadyState,
};

/**
 * The program `pulumi up` runs: validate the stack config and the registry (every problem at once, before any
 * resource is registered), then run the phase program the stack's config names, with lean stack traces (see
 * stack-traces.ts).
 */
export function runPlatformStack(): Promise<Record<string, unknown>> {
  return withLeanStackTraces(platformStack);
}

async function platformStack(): Promise<Record<string, unknown>> {
  const project = readProjectFile();
  const stack = pulumi.getStack();
  const file = stackFilePath(project, stack);
  const values = pulumi.runtime.allConfig();
  const parsed = parsePlatformConfig({
    project: pulumi.getProject(),
    stack,
    file,
    values,
    secretKeys: Object.keys(values).filter(isConfigSecret),
    declared: Object.keys(project.config),
  });
  if (!parsed.ok) fail("invalid stack configuration", parsed.problems);
  const config: PlatformConfig = parsed.config;
  // The namespaces and Secrets this stack's config gives the platform are no team's (registry/tenancy.ts).
  const registry = loadRegistry(
    resolve(project.root, config.registryDir),
    platformReservation([platformNamespacesOf(config)]),
  );
  if (!registry.ok) fail("invalid purpose registry", registry.problems);
  const phaseProblems = phaseInputProblems(config, registry.registry, file);
  if (phaseProblems.length > 0) fail("invalid input", phaseProblems);
  return PROGRAMS[config.phase]({ config, registry: registry.registry, phaseOutputs: phaseOutputsReader(config) });
}

/**
 * What else a stack's input must satisfy once its config parses: the phase's own checks of config and registry
 * together (skipped while the registry itself is invalid). Shared by `pulumi up` and the plan.
 */
export function phaseInputProblems(config: PlatformConfig, registry: Registry | undefined, file: string): Problem[] {
  return registry ? (PHASE_CHECKS[config.phase]?.(config, registry, file) ?? []) : [];
}

/**
 * Whether the CLI passed `key` as a secret (encrypted in the stack file). The SDK keeps this check internal; the
 * program needs it to refuse secret material stored in plain text.
 */
function isConfigSecret(key: string): boolean {
  return (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key);
}

/** Every problem in one error; its message names each file, purpose and field. */
function fail(what: string, problems: readonly Problem[]): never {
  throw inputError(new InvalidInputError(what, problems).message);
}
