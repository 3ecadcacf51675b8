import { BootstrapMaterialization } from "../components/bootstrap/bootstrap-namespace.js";
import { bootstrapLayout } from "../gitops/bootstrap-layout.js";
import { stackName } from "./catalog.js";
import type { PhaseProgram } from "./context.js";
import { inputError } from "./errors.js";
import { namespacesOfEarlierPhases } from "./namespaces.js";

/**
 * Phase 2, bootstrap materialization: one Kustomization per namespace that receives bootstrap material, decrypting
 * SOPS manifests in-cluster into labelled Secrets. Publishes the bootstrap inventory (metadata only), which the
 * runtime-authority stack consumes for the handover.
 */
export const bootstrap: PhaseProgram<"bootstrap"> = async ({ config, registry, phaseOutputs }) => {
  const {
    fluxNamespace,
    gitRepository: repository,
    sopsDecryption: decryption,
  } = await phaseOutputs("gitops", ["fluxNamespace", "gitRepository", "sopsDecryption"]);
  if (!fluxNamespace || !repository || !decryption)
    throw inputError(
      `the ${stackName(config.cluster, "gitops")} stack publishes no fluxNamespace, gitRepository or sopsDecryption: run it first`,
    );
  // The same layout the phase checks validated before anything was registered, now with the gitops stack's namespace.
  const layout = bootstrapLayout(registry, {
    fluxNamespace,
    allowedNamespaces: config.bootstrap.allowedNamespaces,
    gitopsStack: stackName(config.cluster, "gitops"),
  });
  const source = { fluxNamespace, gitRepository: repository.name, decryptionSecret: decryption.secretName };
  const earlier = await namespacesOfEarlierPhases(phaseOutputs, "bootstrap");
  const created = layout.namespaces.map((ns) => ns.namespace).filter((ns) => !earlier.has(ns));
  const kustomizations = layout.namespaces.map(
    (ns) =>
      new BootstrapMaterialization(ns.name, { layout: ns, source, createNamespace: created.includes(ns.namespace) })
        .kustomization,
  );
  return { bootstrapInventory: layout.inventory, kustomizations, namespaces: created };
};
