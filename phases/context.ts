import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/platform.js";
import type { Registry } from "../registry/load.js";
import { stackName, type PhaseId } from "./catalog.js";
import type { PhaseOutputs, PhaseOutputsRead, Published } from "./outputs.js";

/** What every phase program receives: validated config and registry, and the only door to earlier phases. */
export interface PhaseContext {
  config: PlatformConfig;
  registry: Registry;
  /**
   * Outputs of another phase of this cluster, read through a stack reference (later phases read earlier ones only
   * this way); an output that stack has not published is absent.
   */
  phaseOutputs: <P extends PhaseId, K extends keyof PhaseOutputs[P] & string>(
    phase: P,
    keys: readonly K[],
  ) => Promise<PhaseOutputsRead<P, K>>;
}

/** A phase program: registers its resources and returns the stack outputs its phase publishes. */
export type PhaseProgram<P extends PhaseId> = (ctx: PhaseContext) => Promise<Published<PhaseOutputs[P]>>;

/**
 * The reader of earlier phases' outputs for one stack. One StackReference per phase, made when first read: its
 * resource name is the phase, so its URN stays stable if the prefix (backend, organization) changes, and a second
 * read reuses it instead of registering the same URN twice.
 */
export function phaseOutputsReader(config: PlatformConfig): PhaseContext["phaseOutputs"] {
  const references = new Map<PhaseId, pulumi.StackReference>();
  const prefix = () => config.stackReferencePrefix || `${pulumi.getOrganization()}/${pulumi.getProject()}/`;
  return async (phase, keys) => {
    let ref = references.get(phase);
    if (!ref)
      references.set(
        phase,
        (ref = new pulumi.StackReference(`${phase}-stack`, { name: `${prefix()}${stackName(config.cluster, phase)}` })),
      );
    const stack = ref;
    // The phases publish metadata; a value another stack marked secret is read as such, not dropped.
    const values = await Promise.all(
      keys.map(
        async (k) => [k, await stack.getOutputDetails(k).then((d): unknown => d.value ?? d.secretValue)] as const,
      ),
    );
    // Our own stacks publish these types (phases/outputs.ts); a stack reference cannot check them at run time.
    return Object.fromEntries(values.filter(([, v]) => v !== undefined)) as PhaseOutputsRead<
      typeof phase,
      (typeof keys)[number]
    >;
  };
}
