import { relative } from "node:path";
import { readTextFile } from "../../cli/files.js";
import type { RecordedOptions } from "../engine/monitor.js";
import { redact } from "../engine/wire.js";
import type { StackRun } from "../run.js";
import type { Registry } from "../../registry/load.js";
import type { Violation } from "../../policies/evaluate.js";
import type { PostureEntry } from "../../posture/model.js";

/**
 * The plan contract (schemaVersion 1), documented in docs/offline-plan.md. Every secret value is "[secret]": the document is
 * safe to attach to a pull request or an audit.
 */
export interface PlanDocument {
  schemaVersion: 1;
  cluster: string;
  /** The plan's "now" (RFC 3339): certificates planned here start their validity then. */
  generatedAt: string;
  /** The registry planned: its folder, sizes, and the digest of its files (`registryDigest`, registry/load.ts). */
  registry: { dir: string; digest: string; purposes: number; evidence: number };
  stacks: PlanStack[];
  /** The policy pack's findings (policies/), mandatory and advisory. */
  violations: Violation[];
  /** Every purpose's posture at the plan's time (posture/model.ts), from what the plan itself observed. */
  posture: PostureEntry[];
}

export interface PlanStack {
  stack: string;
  phase: number;
  phaseId: string;
  authority: string;
  /** `pulumi up` runs the plan made of the stack, in order; `resources` and `outputs` are from the last one. */
  runs: number;
  resources: PlanResource[];
  outputs: Record<string, unknown>;
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  /** True for reads of existing state (stack references), which the stack does not manage. */
  read?: true;
  /** What the last run did with it against the run before: create, same (provider not called), update, read. */
  op: "create" | "same" | "update" | "read";
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  options: RecordedOptions;
}

export function planDocument(args: {
  cluster: string;
  now: Date;
  registry: Registry;
  stacks: readonly StackRun[];
}): PlanDocument {
  return {
    schemaVersion: 1,
    cluster: args.cluster,
    generatedAt: args.now.toISOString(),
    registry: {
      dir: relative(process.cwd(), args.registry.dir) || ".",
      digest: args.registry.digest,
      purposes: args.registry.purposes.length,
      evidence: args.registry.evidence.length,
    },
    stacks: args.stacks.map((s) => ({
      stack: s.stack,
      phase: s.phase.number,
      phaseId: s.phase.id,
      authority: s.phase.authority,
      runs: s.runs,
      resources: s.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        custom: r.custom,
        ...(r.read ? { read: true as const } : {}),
        op: r.op,
        ...(r.id ? { id: r.id } : {}),
        inputs: redact(r.inputs) as Record<string, unknown>,
        outputs: redact(r.outputs) as Record<string, unknown>,
        options: r.options,
      })),
      outputs: redact(s.outputs) as Record<string, unknown>,
    })),
    violations: [],
    posture: [],
  };
}

/** A plan document read back (posture, evidence, access): refuses anything that is not plan.json schemaVersion 1. */
export function readPlanDocument(text: string): PlanDocument {
  const doc = JSON.parse(text) as PlanDocument;
  if (doc?.schemaVersion !== 1 || !Array.isArray(doc.stacks))
    throw new Error("not an offline plan (plan.json, schemaVersion 1)");
  return doc;
}

/** The plan document in `file`; throws one line naming the file and what is wrong with it (missing, not a plan...). */
export function readPlanFile(file: string): PlanDocument {
  const text = readTextFile(file);
  try {
    return readPlanDocument(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}
