import type { PurposeOf, RegisteredPurpose } from "../../registry/purpose.js";
import type { Delivery } from "../../registry/schema.js";
import { enginePaths } from "../../vault/paths.js";
import type { DeliveryMechanism } from "../types.js";
import { bootstrapTakeover } from "./bootstrap/index.js";
import { certManager } from "./cert-manager/index.js";
import { csi } from "./csi/index.js";
import { externalSecret } from "./external-secret/index.js";
import { pushSecret } from "./push-secret/index.js";
import { revealOnce } from "./reveal-once/index.js";
import { transit } from "./transit/index.js";

/**
 * Every delivery mechanism, one per delivery mode of the registry. A new delivery mode added to the registry's
 * schema is a compile error here until its folder exists; everything else (Vault grants, the steady state, the
 * policy rules, the access matrix, posture) reads it from its descriptor.
 */
export const MECHANISMS: { readonly [D in Delivery]: DeliveryMechanism<D> } = {
  "external-secret": externalSecret,
  "reveal-once": revealOnce,
  "push-secret": pushSecret,
  bootstrap: bootstrapTakeover,
  "cert-manager": certManager,
  csi,
  transit,
};

/** The mechanism of a purpose, typed for it: `mechanismOf(p).deliver(p, ...)` needs no cast at the call site. */
export function mechanismOf<P extends RegisteredPurpose>(p: P): DeliveryMechanism<P["delivery"]> {
  // MECHANISMS pairs each delivery mode with its own mechanism; TypeScript cannot follow the pairing through a union.
  return MECHANISMS[p.delivery] as DeliveryMechanism;
}

/** Every Vault path through which a purpose's value or key can be read, written or used (the access matrix's rows). */
export function purposePaths(p: RegisteredPurpose): string[] {
  return enginePaths(mechanismOf(p).vault.engine, p);
}

export type { PurposeOf };
