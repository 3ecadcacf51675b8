import type { Registry } from "../../registry/load.js";
import { InvalidInputError, type Problem } from "../../registry/problems.js";
import type { Observation } from "../model.js";
import { readCertificateObservations, type CertificateApi } from "./kubernetes.js";
import { readVaultObservations, type VaultReader } from "./vault.js";

export {
  certificateLocation,
  kubernetesApiFromEnv,
  kubernetesApiFromKubeConfig,
  readCertificateObservations,
  type CertificateApi,
} from "./kubernetes.js";
export {
  readVaultObservations,
  vaultReader,
  vaultReaderFromEnv,
  VaultReadError,
  type VaultReader,
  type VaultReaderSettings,
} from "./vault.js";

/** The live sources posture reads. */
export interface LiveSources {
  /** Vault, as a token that may read KV metadata, transit keys and the PKI issuer. */
  vault: VaultReader;
  /** The Kubernetes API, as a user that may get cert-manager Certificates. */
  kubernetes: CertificateApi;
}

/**
 * Observations from Vault (source `vault`) then Kubernetes (source `kubernetes`), read concurrently. Posture merges
 * per field with later facts winning, so where both speak (a certificate purpose's detail) the Certificate's own
 * status is shown. When either source fails, the problems of both are reported together.
 */
export async function readLiveObservations(registry: Registry, sources: LiveSources): Promise<Observation[]> {
  const [vault, kubernetes] = await Promise.allSettled([
    readVaultObservations(registry, sources.vault),
    readCertificateObservations(registry, sources.kubernetes),
  ]);
  if (vault.status === "fulfilled" && kubernetes.status === "fulfilled") return [...vault.value, ...kubernetes.value];
  const problems: Problem[] = [];
  for (const [source, result] of [
    ["vault", vault],
    ["kubernetes", kubernetes],
  ] as const) {
    if (result.status === "fulfilled") continue;
    const e = result.reason as Error;
    problems.push(...(e instanceof InvalidInputError ? e.problems : [{ file: source, message: e.message }]));
  }
  throw new InvalidInputError("live sources", problems);
}
