import { PHASE_IDS, type PhaseId } from "./catalog.js";
import type { PhaseContext } from "./context.js";

/**
 * Namespaces the stacks of earlier phases create, read from their outputs: a later stack uses such a namespace by
 * name and never registers it again. One stack creates each Kubernetes object (the `object-created-once` policy):
 * two stacks creating one object both claim it, their field managers conflict on every field they set differently
 * (a Namespace's phase label), and its lifecycle is neither stack's. The earliest stack that needs a namespace
 * creates it: the bootstrap stack materializes Secrets into Vault's namespace before Vault exists, so it creates that
 * one, and the runtime-authority stack deploys into it by name.
 *
 * A stack that has not run publishes nothing: its namespaces are then not counted, and the later stack creates what
 * it needs.
 */
export async function namespacesOfEarlierPhases(
  phaseOutputs: PhaseContext["phaseOutputs"],
  phase: PhaseId,
): Promise<ReadonlySet<string>> {
  const before = (p: PhaseId) => PHASE_IDS.indexOf(p) < PHASE_IDS.indexOf(phase);
  const owned: string[] = [];
  if (before("gitops")) {
    const { fluxNamespace } = await phaseOutputs("gitops", ["fluxNamespace"]);
    if (fluxNamespace) owned.push(fluxNamespace);
  }
  if (before("bootstrap")) owned.push(...((await phaseOutputs("bootstrap", ["namespaces"])).namespaces ?? []));
  if (before("runtime-authority"))
    owned.push(...((await phaseOutputs("runtime-authority", ["namespaces"])).namespaces ?? []));
  return new Set(owned);
}
