import type { DeliveryMechanism, VaultStorage } from "../delivery/types.js";
import type { Delivery } from "../registry/schema.js";
import { table } from "./markdown.js";

/**
 * The delivery mechanism table (docs/phases/4-steady-state.md, section `mechanisms`), rendered from the mechanisms'
 * descriptors: what Vault holds, what the steady-state stack registers, which object delivers it.
 */

const STORAGE: Record<VaultStorage["engine"], string> = {
  kv: "KV v2",
  transit: "a transit key",
  pki: "the PKI intermediate (signs)",
};
const WRITER = {
  operator: "written by its owner or issuing service",
  "push-secret": "written by its PushSecret",
  handover: "written once by the handover Job",
} as const;

function storage(v: VaultStorage): string {
  return v.engine === "kv" ? `${STORAGE.kv}, ${WRITER[v.writtenBy]}` : STORAGE[v.engine];
}

/** One row per delivery mode, in the registry's order, each linking its module. */
export function mechanismsTable(
  mechanisms: { readonly [D in Delivery]: DeliveryMechanism<D> },
  order: readonly Delivery[],
): string {
  return table(
    ["delivery", "mechanism", "in Vault", "what the stack registers", "delivered by"],
    order.map((d) => {
      const m: Pick<DeliveryMechanism, "id" | "vault" | "summary" | "deliveringKind"> = mechanisms[d];
      return [
        `\`${d}\``,
        `[\`${m.id}\`](../../delivery/mechanisms/${d}/index.ts)`,
        storage(m.vault),
        m.summary,
        m.deliveringKind ? `one \`${m.deliveringKind}\` per namespace` : "nothing in Kubernetes",
      ];
    }),
  );
}
