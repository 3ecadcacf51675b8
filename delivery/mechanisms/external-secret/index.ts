import { aclRule } from "../../../vault/acl.js";
import { kvDataPath } from "../../../vault/paths.js";
import { kvExternalSecret, kvRecord } from "../../kv-external-secret.js";
import { consumerNamespaces, readerIn } from "../../objects.js";
import type { DeliveryMechanism } from "../../types.js";

/**
 * A value held in Vault KV, kept current in each consumer namespace by an ExternalSecret that reads it as a consumer
 * there (its store, its Vault role, its policy's one `read`). Who writes the value is outside the platform: an
 * operator, or the service that issues it (rotation `external` or `manual`), or a generator.
 */
export const externalSecret: DeliveryMechanism<"external-secret"> = {
  delivery: "external-secret",
  id: "external-secret",
  summary:
    "one `ExternalSecret` (`external-secrets.io/v1`) per consumer namespace: every key of `kv/<owner>/<purpose>`, `creationPolicy: Owner`, " +
    "`refreshPolicy: Periodic`, refresh every quarter of the grace window (between 1 minute and 1 hour), target labelled purpose, owner, " +
    "`authority: vault` and marked for Reloader",
  vault: { engine: "kv", writtenBy: "operator" },
  kinds: ["ExternalSecret"],
  deliveringKind: "ExternalSecret",
  namespaces: consumerNamespaces,
  consumerRules: (p) => [aclRule(p, kvDataPath(p), ["read"], "read the external-secret value")],
  controllers: () => [],
  deliver(p, ctx) {
    const namespaces = consumerNamespaces(p);
    return {
      resources: namespaces.map((ns) => kvExternalSecret(p, ns, ctx.store(readerIn(p, ns)), "periodic")),
      record: { mechanism: "external-secret", namespaces, ...kvRecord(p, "periodic") },
    };
  },
};
