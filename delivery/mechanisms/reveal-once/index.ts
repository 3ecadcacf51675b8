import { aclRule } from "../../../vault/acl.js";
import { kvDataPath } from "../../../vault/paths.js";
import { kvExternalSecret, kvRecord } from "../../kv-external-secret.js";
import { consumerNamespaces, readerIn } from "../../objects.js";
import type { DeliveryMechanism } from "../../types.js";

/**
 * A value delivered once (break-glass and bootstrap-of-a-person credentials): fetched once into an immutable Secret
 * that outlives its ExternalSecret, never refreshed, rewritten or shown again, and never marked for Reloader. The
 * stack publishes metadata only. One delivery boundary: the registry admits consumers in one namespace only (a reveal
 * per namespace would be several reveals, each leaving a retained copy), so this is one ExternalSecret.
 */
export const revealOnce: DeliveryMechanism<"reveal-once"> = {
  delivery: "reveal-once",
  id: "reveal-once",
  summary:
    "`refreshPolicy: CreatedOnce`, `refreshInterval: 0s`, `target.immutable`, `creationPolicy: Orphan`, `deletionPolicy: Retain`, " +
    "annotation `secrets-platform/reveal: once`, in the purpose's one consumer namespace: fetched once, never refreshed or rewritten; the stack publishes metadata only",
  vault: { engine: "kv", writtenBy: "operator" },
  kinds: ["ExternalSecret"],
  deliveringKind: "ExternalSecret",
  namespaces: consumerNamespaces,
  consumerRules: (p) => [aclRule(p, kvDataPath(p), ["read"], "read the reveal-once value")],
  controllers: () => [],
  deliver(p, ctx) {
    const namespaces = consumerNamespaces(p);
    return {
      resources: namespaces.map((ns) => kvExternalSecret(p, ns, ctx.store(readerIn(p, ns)), "once")),
      record: { mechanism: "reveal-once", namespaces, ...kvRecord(p, "once") },
    };
  },
};
