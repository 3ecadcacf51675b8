import { DISTRIBUTION, type Distribution } from "../../vault/distribution.js";
import type { VaultServerSettings } from "../../vault/server.js";

/** The phase-3 server's settings as the demo has them (three Raft nodes, shamir), for `distribution`; override any. */
export function serverSettings(
  distribution: Distribution,
  over: Partial<VaultServerSettings> = {},
): VaultServerSettings {
  return {
    distribution,
    namespace: "vault",
    releaseName: "vault",
    vaultVersion: DISTRIBUTION[distribution].version,
    replicas: 3,
    seal: { type: "shamir", options: {} },
    injector: false,
    tlsSecret: "vault-tls",
    ...over,
  };
}
