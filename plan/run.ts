import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as debuggable from "@pulumi/pulumi/runtime/debuggable.js";
import { platformNamespacesOf } from "../config/platform-namespaces.js";
import { parsePlatformConfig, type PlatformConfig } from "../config/platform.js";
import { readProjectFile, stackFilePath, type ProjectFile } from "../config/project.js";
import { loadStackConfig, type PassphraseSource, type StackConfig } from "../config/stack-file.js";
import { PHASES, stackName, type Phase } from "../phases/catalog.js";
import runPlatformStack from "../index.js";
import { phaseInputProblems } from "../phases/index.js";
import { loadRegistry, type Registry } from "../registry/load.js";
import type { Problem } from "../registry/problems.js";
import { platformReservation } from "../registry/tenancy.js";
import { attachMonitor, PlanMonitor, type RecordedResource, type StackOutputs } from "./engine/monitor.js";
import { modelFor } from "./engine/models/index.js";
import { unwire, type WireMap } from "./engine/wire.js";
import { INTERMEDIATE_CSRS_OUTPUT } from "../phases/outputs.js";
import { restoreStackTraces, stackTraceSettings } from "../phases/stack-traces.js";

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
  /**
   * The stacks' outputs as an earlier deployment (or plan) left them, by stack name: the plan starts from a cluster
   * whose stacks published these, as `pulumi up` on a deployed cluster does. A stack's references to itself read
   * them on its first run (the runtime-authority stack finds the KV paths it published: vault/moves.ts).
   * @default a new cluster: no stack has published anything
   */
  previousOutputs?: ReadonlyMap<string, WireMap>;
  /** Called after every `pulumi up` run the plan makes, in order (the bench replays them against the bare SDK). */
  onStackRun?: (run: StackRun) => void;
}

/** One stack as it ran last: its phase, config, every resource registered or read, and its outputs (wire form). */
export interface StackRun {
  stack: string;
  phase: Phase;
  config: PlatformConfig;
  resources: RecordedResource[];
  outputs: WireMap;
  /** How many `pulumi up` runs the plan made of this stack (the signing ceremony needs more than one). */
  runs: number;
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

  const phases = PHASES.filter((p) =>
    existsSync(join(project.root, stackFilePath(project, stackName(options.cluster, p.id)))),
  );
  if (phases.length === 0)
    problems.push({
      file: project.stackConfigDir,
      message: `no stack files for cluster ${options.cluster} (expected Pulumi.${options.cluster}-<phase>.yaml)`,
    });

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
    const parsed = parsePlatformConfig({
      project: project.name,
      stack,
      file: loaded.config.file,
      values: loaded.config.values,
      secretKeys: loaded.config.secretKeys,
      declared: Object.keys(project.config),
    });
    if (!parsed.ok) problems.push(...parsed.problems);
    else prepared.push({ phase, stack: loaded.config, config: parsed.config });
  }

  const dirs = new Set(prepared.map((p) => resolve(project.root, p.config.registryDir)));
  if (dirs.size > 1)
    problems.push({
      file: project.stackConfigDir,
      message: `the stacks of ${options.cluster} name different registryDir values: one cluster, one registry`,
    });
  const registryPath = registryDir ?? [...dirs][0] ?? resolve(project.root, "purposes");
  // Every stack's platform namespaces at once: the plan refuses what any stack's `pulumi up` would.
  const registry = loadRegistry(
    registryPath,
    prepared.length ? platformReservation(prepared.map((p) => platformNamespacesOf(p.config))) : undefined,
  );
  // The programs read the registry the plan validated, wherever the plan runs from (the CLI runs in the project).
  for (const p of prepared) p.stack.values[`${project.name}:registryDir`] = registryPath;
  if (!registry.ok) problems.push(...registry.problems);
  for (const p of prepared)
    problems.push(...phaseInputProblems(p.config, registry.ok ? registry.registry : undefined, p.stack.file));
  if (problems.length > 0 || !registry.ok) return { ok: false, kind: "invalid-input", problems };

  const outputsByStack: StackOutputs = new Map(
    [...(options.previousOutputs ?? [])].map(([stack, outputs]) => [
      `${LOCAL_ORGANIZATION}/${project.name}/${stack}`,
      { outputs },
    ]),
  );
  const runs = new Map<string, StackRun>();
  const run = async (p: (typeof prepared)[number], overrides: Record<string, string> = {}) => {
    const before = runs.get(p.stack.stack);
    const values = { ...p.stack.values, ...overrides };
    const result = await runStack(project, { ...p.stack, values }, outputsByStack, now, before?.resources);
    outputsByStack.set(`${LOCAL_ORGANIZATION}/${project.name}/${p.stack.stack}`, { outputs: result.outputs });
    const stackRun: StackRun = {
      stack: p.stack.stack,
      phase: p.phase,
      config: p.config,
      resources: result.resources,
      outputs: result.outputs,
      runs: (before?.runs ?? 0) + 1,
    };
    runs.set(p.stack.stack, stackRun);
    options.onStackRun?.(stackRun);
  };

  // Every stack once, in phase order, up to the stack that publishes CSRs. The root-trust stack's first run happens
  // before that stack exists, so it signs nothing yet (as the first `pulumi up` of a new cluster is run:
  // docs/phases/3-runtime-authority.md).
  const rootTrust = prepared.find((p) => p.phase.id === "root-trust");
  const csrStack = prepared.find((p) => p.phase.id === rootTrust?.config.rootTrust.intermediateCsrStack);
  const afterCeremony = prepared.filter((p) => csrStack && p.phase.number > csrStack.phase.number);
  for (const p of prepared.filter((q) => !afterCeremony.includes(q)))
    await run(p, p === rootTrust && csrStack ? { [`${project.name}:intermediateCsrStack`]: "" } : {});
  // The signing ceremony: while the CSR stack publishes CSRs the root has not signed, run the root-trust stack, then
  // the CSR stack again, each with its state from its previous run.
  for (let round = 0; rootTrust && csrStack && round < MAX_CEREMONY_ROUNDS; round++) {
    if (unsignedCsrs(runs.get(rootTrust.stack.stack)!, runs.get(csrStack.stack.stack)!).length === 0) break;
    await run(rootTrust);
    await run(csrStack);
  }
  // Later phases build on the finished ceremony (the steady state needs Vault's PKI signed), once each.
  for (const p of afterCeremony) await run(p);
  const stacks = prepared.map((p) => runs.get(p.stack.stack)!);
  return { ok: true, cluster: options.cluster, now, registry: registry.registry, stacks };
}

/**
 * One `pulumi up` of one stack, against the plan monitor: config set as the CLI sets it, the entry module run inside
 * the root Stack resource as the Node.js language host runs it, and every outstanding RPC awaited before returning.
 */
export async function runStack(
  project: ProjectFile,
  stack: StackConfig,
  stacks: StackOutputs,
  now: Date,
  previous?: readonly RecordedResource[],
): Promise<{ resources: RecordedResource[]; outputs: WireMap }> {
  pulumi.runtime.setAllConfig(stack.values, stack.secretKeys);
  return runProgram(
    { project: project.name, stack: stack.stack, stacks, now, ...(previous ? { previous } : {}) },
    runPlatformStack,
  );
}

/** Rounds of the signing ceremony the plan runs at most: each signs what the previous round's runs published. */
const MAX_CEREMONY_ROUNDS = 3;

/** The CSR names a stack published that the root-trust stack's outputs have not signed yet. */
function unsignedCsrs(rootTrust: StackRun, csrStack: StackRun): string[] {
  const published = Object.keys((unwire(csrStack.outputs) as Record<string, unknown>)[INTERMEDIATE_CSRS_OUTPUT] ?? {});
  const signed = ((unwire(rootTrust.outputs) as Record<string, unknown>).signedIntermediates ?? {}) as Record<
    string,
    unknown
  >;
  return published.filter((name) => !(name in signed));
}

/** Runs any program under a fresh plan monitor (the engine side of one update) and returns what it registered. */
export async function runProgram(
  target: {
    project: string;
    stack: string;
    stacks?: StackOutputs;
    now?: Date;
    previous?: readonly RecordedResource[];
    /** Provider models to use instead of the plan's (tests use this to make a provider fail). */
    models?: typeof modelFor;
    /** Receives what was registered, whether or not the run succeeds. */
    onResources?: (resources: RecordedResource[]) => void;
  },
  program: () => Promise<Record<string, unknown>>,
): Promise<{ resources: RecordedResource[]; outputs: WireMap }> {
  const monitor = new PlanMonitor(
    target.project,
    target.stack,
    target.models ?? modelFor,
    target.stacks ?? (new Map() as StackOutputs),
    target.now ?? new Date(),
    target.previous,
  );
  attachMonitor(monitor, target.project, target.stack, LOCAL_ORGANIZATION);
  // Like the language host, the plan owns the process's unhandled rejections while a program runs: a failed
  // registration rejects outputs nobody awaits, and that is how the SDK reports it. They fail the run, as errors.
  const failures: unknown[] = [];
  let failed!: () => void;
  // The language host exits on the first one; the plan stops waiting for the program then too (resources that
  // depended on the failed one never register, and their promises never settle).
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (reason) => {
    failures.push(reason);
    failed();
  });
  // The program's own error is kept too, so a RunError (input the program refused) reaches the caller as such.
  let programError: unknown;
  // A program may make stack traces lean while it runs (phases/stack-traces.ts); the process it ran in gets them back.
  const stackTraces = stackTraceSettings();
  try {
    await Promise.race([
      pulumi.runtime.runInPulumiStack(async () => {
        try {
          return await program();
        } catch (e) {
          programError = e;
          return {};
        }
      }),
      firstFailure,
    ]);
  } catch (e) {
    failures.push(e);
  } finally {
    // After a failure, registrations that waited on the failed resource never finish; disconnecting would wait for
    // them forever. The language host exits at this point; the plan just stops waiting.
    if (failures.length === 0) await pulumi.runtime.disconnect().catch((e: unknown) => failures.push(e));
    // The rest of a failed program keeps failing for a moment (everything that depended on the failed resource);
    // those rejections are this run's, so they are collected until none arrive for a while.
    for (let seen = -1; failures.length > 0 && seen !== failures.length;) {
      seen = failures.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Like the language host after a failed run (its monitor is gone), forget the failed program's pending
    // promises: they are not leaks of a later run, and the SDK would otherwise fail the process at exit for them.
    if (failures.length > 0) (debuggable as unknown as { leakedPromises(): unknown }).leakedPromises();
    await new Promise((resolve) => setImmediate(resolve));
    process.removeAllListeners("unhandledRejection");
    for (const listener of others) process.on("unhandledRejection", listener);
    restoreStackTraces(stackTraces);
    target.onResources?.(monitor.resources);
  }
  // The SDK rejects with Errors (RunError, ResourceError); anything else is wrapped so its message is kept.
  const asError = (e: unknown) => (e instanceof Error ? e : new Error(`the program failed: ${JSON.stringify(e)}`));
  if (programError !== undefined) throw asError(programError);
  if (failures.length > 0) throw asError(failures[0]);
  return { resources: monitor.resources, outputs: monitor.stackOutputs ?? {} };
}
