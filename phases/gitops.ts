import * as pulumi from "@pulumi/pulumi";
import { FluxControlPlane } from "../components/gitops/flux-control-plane.js";
import { AGE_KEY_ENTRY, DECRYPTION_SECRET } from "../gitops/flux.js";
import { ageRecipientOf } from "../pki/age.js";
import { purposesSourcedFromConfig } from "../registry/rules.js";
import type { PhaseProgram } from "./context.js";
import { inputError } from "./errors.js";

/**
 * Phase 1, the GitOps control plane: Flux, the in-cluster SOPS decryption key and the platform GitRepository. The
 * age key and the deploy key come from secret stack config only; the SOPS recipients come from the root-trust stack,
 * and the age key must be one of them, or nothing Git holds could be decrypted.
 */
export const gitops: PhaseProgram<"gitops"> = async ({ config, registry, phaseOutputs }) => {
  const secrets = new pulumi.Config();
  const recipients = (await phaseOutputs("root-trust", ["sopsAgeRecipients"])).sopsAgeRecipients ?? [];
  // Checked on the raw value at plan time, before anything is registered; the message names no key material.
  const identity = pulumi.runtime.allConfig()[`${pulumi.getProject()}:sopsAgeKey`] ?? "";
  if (!recipients.includes(ageRecipientOf(identity)))
    throw inputError(
      `sopsAgeKey: its recipient is not one of the root-trust stack's sopsAgeRecipients (${recipients.length} published): ` +
        "manifests encrypted for the cluster could not be decrypted with it",
    );
  // Exactly one: the phase checks have made sure of it.
  const [deployKeyPurpose] = purposesSourcedFromConfig(registry.purposes, "gitDeployKey");
  if (!deployKeyPurpose)
    throw inputError(
      "no bootstrap purpose has bootstrap.source config:gitDeployKey (the gitops checks should have refused this)",
    );
  const g = config.gitops;
  const flux = new FluxControlPlane("gitops", {
    namespace: g.fluxNamespace,
    chart: { repository: g.chartRepository, version: g.chartVersion },
    git: {
      url: g.repositoryUrl,
      branch: g.branch,
      knownHosts: g.knownHosts,
      deployKeyPurpose,
      deployKey: secrets.requireSecret("gitDeployKey"),
    },
    sopsAgeKey: secrets.requireSecret("sopsAgeKey"),
  });
  return {
    fluxNamespace: flux.namespace,
    fluxChart: { chart: "flux2", repository: g.chartRepository, version: g.chartVersion },
    gitRepository: { namespace: flux.namespace, name: flux.gitRepositoryName, url: g.repositoryUrl, branch: g.branch },
    sopsDecryption: { namespace: flux.namespace, secretName: DECRYPTION_SECRET, key: AGE_KEY_ENTRY },
    sopsRecipients: recipients,
    gitDeployKey: {
      purpose: deployKeyPurpose.id,
      secretName: deployKeyPurpose.bootstrap.secretName,
      fingerprintSha256: flux.deployKeyFingerprint,
    },
  };
};
