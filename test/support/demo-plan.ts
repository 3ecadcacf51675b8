import assert from "node:assert/strict";
import { inject } from "vitest";
import type { PhaseId } from "../../phases/catalog.js";
import type { RecordedResource } from "../../plan/engine/monitor.js";
import { unwire, type WireMap } from "../../plan/engine/wire.js";
import type { PlanResult, StackRun } from "../../plan/run.js";

/**
 * The demo cluster planned once per test run (test/support/demo-plan-setup.ts, the globalSetup of both projects), for
 * every file that reads the demo's plan rather than planning it again.
 */

/** "Now" of the shared plans: fixed, so certificate dates, posture and policy results are the same on every run. */
export const DEMO_NOW = new Date("2026-11-22T09:00:00Z");

/** The demo plan as `planCluster` returned it: registry, and every stack's last run (config, wire-form resources, outputs). */
export type DemoPlan = Extract<PlanResult, { ok: true }>;

/** `npm run plan -- --out <dir> --now <DEMO_NOW>`, as the setup ran it in-process. */
export interface DemoPlanCommand {
  argv: string[];
  code: number;
  /** What it printed, line by line, to stdout and to stderr. */
  out: string[];
  err: string[];
  /** Where it wrote plan.json and plan.md (reports: redacted, no secret value); removed when the test run ends. */
  dir: string;
}

/** A provided value, or why the setup could not make it: that fails the files that read it, not the whole run. */
export type Provided<T> = { ok: true; value: T } | { ok: false; error: string };

declare module "vitest" {
  export interface ProvidedContext {
    demoPlan: Provided<PlanResult>;
    demoPlanCommand: Provided<DemoPlanCommand>;
  }
}

function provided<T>(key: string, value: Provided<T> | undefined): T {
  if (value === undefined)
    throw new Error(
      `${key} is provided by test/support/demo-plan-setup.ts: run this file in the unit or real project (vitest.config.ts)`,
    );
  if (!value.ok) throw new Error(`${key}: the setup failed: ${value.error}`);
  return value.value;
}

/** The shared demo plan (this file's own copy: vitest gives each test file a structured clone of it). */
export function demoPlan(): DemoPlan {
  const result = provided("demoPlan", inject("demoPlan"));
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.problems));
  return result;
}

/** The shared `npm run plan` of the demo: exit code, printed lines, and the directory with its reports. */
export function demoPlanCommand(): DemoPlanCommand {
  return provided("demoPlanCommand", inject("demoPlanCommand"));
}

/** The demo plan's last run of a phase's stack. */
export const runOf = (phase: PhaseId): StackRun => demoPlan().stacks.find((s) => s.phase.id === phase)!;

/** A resource's inputs as its provider sees them: secrets unwrapped, references by id. */
export const inputs = (r: RecordedResource) => unwire(r.inputs) as Record<string, any>;

/** A stack run's outputs, plain, as a stack reference reads them. */
export const outputsOf = (run: { outputs: WireMap }) => unwire(run.outputs) as Record<string, any>;
