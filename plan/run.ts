import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, type PlatformConfig } from "../config/platform.js";
import { readProjectFile, stackFilePath, type ProjectFile } from "../config/project.js";
import { loadStackConfig, type PassphraseSource, type StackConfig } from "../config/stack-file.js";
import { PHASES, stackName, type Phase } from "../phases/catalog.js";
import runPlatformStack from "../index.js";
import { phaseInputProblems } from "../phases/index.js";
import { loadRegistry, type Registry } from "../registry/load.js";
import type { Problem } from "../registry/problems.js";
import { attachMonitor, PlanMonitor, type RecordedResource, type StackOutputs } from "./engine/monitor.js";
import { modelFor } from "./engine/models/index.js";
import type { WireMap } from "./engine/wire.js";

/** The organization the local backend (`pulumi login --local`) gives every stack; stack references use it. */
export const LOCAL_ORGANIZATION = "organization";

export interface PlanOptions {
  cluster: string;
  /** The purpose registry to plan with (overrides each stack's registryDir, as `pulumi config set` would). */
  registryDir?: string;
  /** Project root (where Pulumi.yaml is). */
  root?: string;
  /** "Now" for the plan: certificate validity starts here. */
  now?: Date;
  passphrase: PassphraseSource;
}

/** One stack as it ran: its phase, config, every resource registered or read, and its outputs (wire form). */
export interface StackRun {
  stack: string;
  phase: Phase;
  config: PlatformConfig;
  resources: RecordedResource[];
  outputs: WireMap;
}

export type PlanResult =
  | { ok: true; cluster: string; now: Date; registry: Registry; stacks: StackRun[] }
  | { ok: false; kind: "invalid-input"; problems: Problem[] };

/**
 * Runs every phase stack of a cluster, in phase order, through the real stack programs under the plan monitor.
 * All input (registry, every stack's config) is validated first: on any problem nothing is run at all.
 */
export async function planCluster(options: PlanOptions): Promise<PlanResult> {
  const project = readProjectFile(options.root ?? process.cwd());
  const now = options.now ?? new Date();
  const problems: Problem[] = [];

  const phases = PHASES.filter((p) => existsSync(join(project.root, stackFilePath(project, stackName(options.cluster, p.id)))));
  if (phases.length === 0)
    problems.push({ file: project.stackConfigDir, message: `no stack files for cluster ${options.cluster} (expected Pulumi.${options.cluster}-<phase>.yaml)` });

  const registryDir = options.registryDir ? resolve(options.registryDir) : undefined;
  const prepared: { phase: Phase; stack: StackConfig; config: PlatformConfig }[] = [];
  for (const phase of phases) {
    const stack = stackName(options.cluster, phase.id);
    const loaded = loadStackConfig(project, stack, options.passphrase);
    if (!loaded.ok) {
      problems.push(...loaded.problems);
      continue;
    }
    if (registryDir) loaded.config.values[`${project.name}:registryDir`] = registryDir;
    const parsed = parsePlatformConfig({ project: project.name, stack, file: loaded.config.file, values: loaded.config.values, secretKeys: loaded.config.secretKeys, declared: Object.keys(project.config) });
    if (!parsed.ok) problems.push(...parsed.problems);
    else prepared.push({ phase, stack: loaded.config, config: parsed.config });
  }

  const dirs = new Set(prepared.map((p) => resolve(project.root, p.config.registryDir)));
  if (dirs.size > 1) problems.push({ file: project.stackConfigDir, message: `the stacks of ${options.cluster} name different registryDir values: one cluster, one registry` });
  const registry = loadRegistry(registryDir ?? [...dirs][0] ?? resolve(project.root, "purposes"));
  if (!registry.ok) problems.push(...registry.problems);
  for (const p of prepared) problems.push(...phaseInputProblems(project.name, p.config, registry.ok ? registry.registry : undefined, p.stack.file));
  if (problems.length > 0 || !registry.ok) return { ok: false, kind: "invalid-input", problems };

  const outputsByStack: StackOutputs = new Map();
  const stacks: StackRun[] = [];
  for (const { phase, stack, config } of prepared) {
    const run = await runStack(project, stack, outputsByStack, now);
    outputsByStack.set(`${LOCAL_ORGANIZATION}/${project.name}/${stack.stack}`, { outputs: run.outputs });
    stacks.push({ stack: stack.stack, phase, config, resources: run.resources, outputs: run.outputs });
  }
  return { ok: true, cluster: options.cluster, now, registry: registry.registry, stacks };
}

/**
 * One `pulumi up` of one stack, against the plan monitor: config set as the CLI sets it, the entry module run inside
 * the root Stack resource as the Node.js language host runs it, and every outstanding RPC awaited before returning.
 */
export async function runStack(project: ProjectFile, stack: StackConfig, stacks: StackOutputs, now: Date): Promise<{ resources: RecordedResource[]; outputs: WireMap }> {
  pulumi.runtime.setAllConfig(stack.values, stack.secretKeys);
  return runProgram({ project: project.name, stack: stack.stack, stacks, now }, runPlatformStack);
}

/** Runs any program under a fresh plan monitor (the engine side of one update) and returns what it registered. */
export async function runProgram(
  target: { project: string; stack: string; stacks?: StackOutputs; now?: Date },
  program: () => Promise<Record<string, unknown>>,
): Promise<{ resources: RecordedResource[]; outputs: WireMap }> {
  const monitor = new PlanMonitor(target.project, target.stack, modelFor, target.stacks ?? new Map(), target.now ?? new Date());
  attachMonitor(monitor, target.project, target.stack, LOCAL_ORGANIZATION);
  // Like the language host, the plan owns the process's unhandled rejections while a program runs: a failed
  // registration rejects outputs nobody awaits, and that is how the SDK reports it. They fail the run, as errors.
  const failures: unknown[] = [];
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (reason) => failures.push(reason));
  // The program's own error is kept too, so a RunError (input the program refused) reaches the caller as such.
  let programError: unknown;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await program();
      } catch (e) {
        programError = e;
        return {};
      }
    });
  } catch (e) {
    failures.push(e);
  } finally {
    await pulumi.runtime.disconnect().catch((e: unknown) => failures.push(e));
    await new Promise((resolve) => setImmediate(resolve));
    process.removeAllListeners("unhandledRejection");
    for (const listener of others) process.on("unhandledRejection", listener);
  }
  if (programError !== undefined) throw programError;
  if (failures.length > 0) throw failures[0];
  return { resources: monitor.resources, outputs: monitor.stackOutputs ?? {} };
}
