import * as pulumi from "@pulumi/pulumi";
import type { StackRun } from "../plan/run.js";
import type { WireMap } from "../plan/engine/wire.js";

/** What the baseline replays of one `pulumi up` run of the plan: every custom resource it registered, as sent. */
export interface RecordedRun {
  stack: string;
  resources: { type: string; name: string; inputs: WireMap; protect: boolean; provider?: string }[];
}

/** The custom resources one stack run registered (not its components, not the stack references it read). */
export function recordRun(run: StackRun): RecordedRun {
  return {
    stack: run.stack,
    resources: run.resources
      .filter((r) => r.custom && !r.read)
      .map((r) => ({
        type: r.type,
        name: r.name,
        inputs: r.inputs,
        protect: r.options.protect,
        ...(r.options.provider ? { provider: providerKey(r.options.provider) } : {}),
      })),
  };
}

const SIG = pulumi.runtime.specialSigKey;

/** A recorded input back as a program would pass it: secrets as secret outputs, resource references as their id. */
export function fromWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromWire);
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SIG] === pulumi.runtime.specialSecretSig) return pulumi.secret(fromWire(o.value));
  if (o[SIG] === pulumi.runtime.specialResourceSig) return o.id || o.urn;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
}

/** An explicit provider reference (`<urn>::<id>`) as `<type>::<name>`, how the baseline finds its own instance. */
export function providerKey(reference: string): string {
  const parts = reference.split("::");
  return `${parts[2]!.split("$").at(-1)}::${parts[3]}`;
}
