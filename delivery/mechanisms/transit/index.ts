import { aclRule } from "../../../vault/acl.js";
import {
  consumerRoleName,
  MOUNTS,
  transitKeyName,
  transitOperationPaths,
  transitOperations,
} from "../../../vault/paths.js";
import { consumerNamespaces } from "../../objects.js";
import type { DeliveryMechanism } from "../../types.js";

/** Why a consumer may call each transit operation (shown in the plan and the access matrix). */
const WHY = {
  encrypt: "encrypt with the transit key",
  decrypt: "decrypt with the transit key",
  sign: "sign with the transit key",
  verify: "verify signatures",
} as const;

/**
 * A key that never leaves Vault: consumers call its transit operations with their own Vault role, and nothing is
 * materialized in Kubernetes. The record names the key, the paths and the consumers' roles.
 */
export const transit: DeliveryMechanism<"transit"> = {
  delivery: "transit",
  id: "vault-transit",
  summary: "nothing in Kubernetes: the record names the key, the paths and the consumers' Vault roles",
  vault: { engine: "transit" },
  kinds: [],
  namespaces: consumerNamespaces,
  consumerRules: (p) =>
    transitOperations(p.transit.usage).map((op) =>
      aclRule(p, `${MOUNTS.transit}/${op}/${transitKeyName(p)}`, ["update"], WHY[op]),
    ),
  controllers: () => [],
  deliver: (p) => ({
    resources: [],
    record: {
      mechanism: "vault-transit",
      namespaces: consumerNamespaces(p),
      transit: {
        key: transitKeyName(p),
        paths: transitOperationPaths(p),
        vaultRoles: p.consumers.map(consumerRoleName).sort(),
      },
    },
  }),
};
